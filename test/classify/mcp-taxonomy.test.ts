import { describe, expect, it } from 'vitest';
import { taxonomyOf } from '../../src/classify/taxonomy.ts';
import type { ErrorInfo } from '../../src/contracts/common.ts';
import type { ToolCallStep } from '../../src/contracts/trace-step.ts';

const error = (cls: string, code: string | null = null): ErrorInfo => ({
  class: cls,
  name: cls,
  message: 'm',
  stack: null,
  thrown: 'error',
  code,
  status: null,
  cause: null,
});
const preview = { type: 'object' as const, text: '{}', bytes: 2, truncated: false, sha256: null };

function toolStep(index: number, err: ErrorInfo | null, mcp: boolean): ToolCallStep {
  return {
    index,
    type: 'tool_call',
    name: mcp ? 'tools/call t' : 'execute_tool t',
    started_at: '2026-12-06T00:00:00.000Z',
    ended_at: '2026-12-06T00:00:00.001Z',
    duration_ms: 1,
    status: err ? 'error' : 'ok',
    error: err,
    span_id: null,
    agent: null,
    turn: null,
    tool: 't',
    call_id: null,
    declared: true,
    arguments: preview,
    result: null,
    mcp: mcp ? { server: 's', method: 'tools/call', request_id: '1', session_id: null, transport: 'stdio' } : null,
  };
}

const leaf = (steps: ToolCallStep[]) =>
  taxonomyOf({ kind: 'exception', error: error('McpError') }, steps).refs.trail?.path.at(-1) ?? null;

describe('TRAIL labels of an exception whose first failed call is an MCP call', () => {
  it('a refusal of the call as sent is a tool definition issue; every other MCP failure a service error', () => {
    expect(leaf([toolStep(0, error('McpJsonRpcError', '-32602'), true)])).toBe('Tool Definition Issues');
    expect(leaf([toolStep(0, error('McpJsonRpcError', '-32601'), true)])).toBe('Tool Definition Issues');
    expect(leaf([toolStep(0, error('McpJsonRpcError', '-32603'), true)])).toBe('Service Errors');
    for (const cls of ['McpToolResultError', 'McpMalformedMessageError', 'McpDisconnectedError'])
      expect(leaf([toolStep(0, error(cls), true)]), cls).toBe('Service Errors');
  });

  it('no MCP label when the first failure is elsewhere, the call was never answered, or no MCP call failed', () => {
    expect(leaf([toolStep(0, error('Error'), false), toolStep(1, error('McpToolResultError'), true)])).toBeNull();
    expect(leaf([toolStep(0, { ...error('McpUnansweredError'), name: 'TimeoutError' }, true)])).toBeNull();
    expect(leaf([toolStep(0, null, true)])).toBeNull();
  });

  it("an MCP client's error for a server it lost, or never had, before any call failed is a service error", () => {
    const lost = (cls: string, code: string | null) =>
      taxonomyOf({ kind: 'exception', error: error(cls, code) }, []).refs.trail?.path.at(-1) ?? null;
    expect(lost('McpError', '-32000')).toBe('Service Errors');
    expect(lost('SdkError', 'CONNECTION_CLOSED')).toBe('Service Errors');
    expect(lost('StreamableHTTPError', '502')).toBe('Service Errors');
    expect(lost('StreamableHTTPError', '404')).toBeNull();
    expect(lost('McpError', '-32602')).toBeNull();
    expect(lost('SdkError', 'REQUEST_TIMEOUT')).toBeNull();
    expect(lost('Error', '-32000')).toBeNull();
  });
});
