import { describe, expect, it } from 'vitest';
import { upgradeTraceRecordV3 } from '../../src/contracts/migrate-v3.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { TraceRecordV3 } from '../../src/contracts/v3/trace-record.ts';
import { readRecord } from '../../src/store/read-record.ts';
import { makeRecord } from '../helpers/records.ts';

/** A version 3 record: no injected_faults, and tool calls without mcp. */
function asVersion3(record: TraceRecord): Record<string, unknown> {
  const { injected_faults: _i, ...rest } = record;
  return {
    ...rest,
    schema_version: 3,
    steps: record.steps.map((step) => {
      if (step.type !== 'tool_call') return step;
      const { mcp: _m, ...v3 } = step;
      return v3;
    }),
  };
}

describe('TraceRecord version 3', () => {
  it('is read and upgraded to version 4: injected_faults [], every tool call with mcp null; nothing else changes', () => {
    const record = makeRecord({ kind: 'exception' });
    const tool = {
      ...record.steps[0]!,
      index: 1,
      type: 'tool_call' as const,
      name: 'execute_tool calculate',
      tool: 'calculate',
      call_id: 'call_1',
      declared: true,
      arguments: { type: 'object' as const, text: '{}', bytes: 2, truncated: false, sha256: null },
      result: null,
      mcp: null,
    };
    const { check: _c, passed: _p, detail: _d, ...toolStep } = tool as Record<string, unknown>;
    const current = TraceRecord.parse({ ...record, steps: [record.steps[0], toolStep] });
    const v3 = asVersion3(current);
    expect(TraceRecordV3.safeParse(v3).success).toBe(true);
    expect(TraceRecord.safeParse(v3).success).toBe(false);
    expect(upgradeTraceRecordV3(TraceRecordV3.parse(v3))).toEqual(current);
    expect(readRecord(v3, 'k')).toEqual(current);
    // A version 3 record never had an MCP call: one with mcp is not version 3.
    expect(TraceRecordV3.safeParse({ ...v3, steps: current.steps }).success).toBe(false);
  });
});
