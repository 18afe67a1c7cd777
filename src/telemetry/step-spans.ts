import { type Attributes, type Context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { ResponseIdentity, StepObserver } from '../execute/step-observer.ts';
import { endSpan } from './end-span.ts';
import * as attr from './gen-ai-attributes.ts';
import { normalizeFinishReason, outputTypeOf } from './gen-ai-values.ts';

/**
 * Turns steps into spans under a run span: "chat {model}" (CLIENT) for model calls,
 * "execute_tool {tool}" for tool calls ("tools/call {tool}", CLIENT, with the MCP conventions'
 * attributes, for an MCP server's tool) and "recovery {action} {target}" for recovery actions, with
 * gen_ai.* (and lab.recovery.*) attributes taken from the step itself.
 * Checks get no span (they are recorded on the run span). A turn of a conversation is a "turn {n}"
 * span, and the spans of its steps are its children, each with lab.turn.
 * Used inline and for steps a worker reports.
 */
export class StepSpans implements StepObserver {
  readonly #tracer: Tracer;
  readonly #parent: Context;
  readonly #open = new Map<number, Span>();
  /** The span of each turn still open, by turn number. */
  readonly #turns = new Map<number, Span>();
  readonly #server: Attributes;

  /** `endpoint` is the model endpoint's base URL: its host and port go on every model call's span. */
  constructor(tracer: Tracer, parent: Context, { endpoint }: { endpoint?: string } = {}) {
    this.#tracer = tracer;
    this.#parent = parent;
    this.#server = serverOf(endpoint);
  }

  begin(step: TraceStep, startMs: number): string | null {
    if (step.type === 'check') return null;
    const turnSpan = step.turn === null || step.type === 'turn' ? undefined : this.#turns.get(step.turn);
    const span = this.#tracer.startSpan(
      step.name,
      {
        // The MCP proxy is a client of the server it calls (the conventions' mcp.client span).
        kind:
          step.type === 'model_call' || (step.type === 'tool_call' && step.mcp) ? SpanKind.CLIENT : SpanKind.INTERNAL,
        startTime: startMs,
        attributes: {
          ...startAttributes(step),
          ...(step.type === 'model_call' ? this.#server : {}),
          ...(step.turn === null ? {} : { [attr.LAB_TURN]: step.turn }),
        },
      },
      turnSpan ? trace.setSpan(this.#parent, turnSpan) : this.#parent,
    );
    this.#open.set(step.index, span);
    if (step.type === 'turn' && step.turn !== null) this.#turns.set(step.turn, span);
    return span.spanContext().spanId;
  }

  end(step: TraceStep, endMs: number, response?: ResponseIdentity): void {
    const span = this.#open.get(step.index);
    if (!span) return;
    this.#open.delete(step.index);
    if (step.type === 'turn' && step.turn !== null) this.#turns.delete(step.turn);
    if (step.type === 'model_call') {
      if (step.finish_reason)
        span.setAttribute(attr.GEN_AI_RESPONSE_FINISH_REASONS, [normalizeFinishReason(step.finish_reason)]);
      if (response?.id) span.setAttribute(attr.GEN_AI_RESPONSE_ID, response.id);
      if (response?.model) span.setAttribute(attr.GEN_AI_RESPONSE_MODEL, response.model);
      if (step.usage) {
        span.setAttribute(attr.GEN_AI_USAGE_INPUT_TOKENS, step.usage.input_tokens);
        span.setAttribute(attr.GEN_AI_USAGE_OUTPUT_TOKENS, step.usage.output_tokens);
      }
    }
    if (step.type === 'recovery' && step.outcome) span.setAttribute(attr.LAB_RECOVERY_OUTCOME, step.outcome);
    if (step.status === 'ok') return endSpan(span, undefined, endMs);
    if (step.type === 'tool_call' && step.mcp) {
      // The MCP conventions' error.type: the JSON-RPC code of an error answer, "tool_error" for isError.
      const jsonRpcCode = step.error?.class === 'McpJsonRpcError' ? step.error.code : null;
      if (jsonRpcCode) span.setAttribute(attr.RPC_RESPONSE_STATUS_CODE, jsonRpcCode);
      const errorType =
        jsonRpcCode ?? (step.error?.class === 'McpToolResultError' ? 'tool_error' : (step.error?.class ?? step.status));
      return endSpan(span, { errorType, error: step.error }, endMs);
    }
    const httpStatus =
      step.type === 'model_call' && step.http_status !== null && step.http_status >= 400
        ? String(step.http_status)
        : undefined;
    endSpan(span, { errorType: httpStatus ?? step.error?.class ?? step.status, error: step.error }, endMs);
  }

  /** Ends every span still open (a worker that was terminated never reports their end). */
  endAll(endMs: number): void {
    for (const span of this.#open.values()) endSpan(span, { errorType: 'aborted' }, endMs);
    this.#open.clear();
    this.#turns.clear();
  }
}

/** The attributes a step's span starts with, taken from the step itself. */
function startAttributes(step: Exclude<TraceStep, { type: 'check' }>): Attributes {
  switch (step.type) {
    case 'model_call': {
      const outputType = outputTypeOf(step.request.text);
      return {
        [attr.GEN_AI_OPERATION_NAME]: 'chat',
        [attr.GEN_AI_PROVIDER_NAME]: 'openai',
        ...(step.model ? { [attr.GEN_AI_REQUEST_MODEL]: step.model } : {}),
        [attr.GEN_AI_REQUEST_STREAM]: step.stream,
        ...(outputType ? { [attr.GEN_AI_OUTPUT_TYPE]: outputType } : {}),
      };
    }
    case 'tool_call':
      return {
        [attr.GEN_AI_OPERATION_NAME]: 'execute_tool',
        [attr.GEN_AI_TOOL_NAME]: step.tool,
        [attr.GEN_AI_TOOL_TYPE]: 'function',
        ...(step.call_id ? { [attr.GEN_AI_TOOL_CALL_ID]: step.call_id } : {}),
        ...(step.mcp
          ? {
              [attr.MCP_METHOD_NAME]: step.mcp.method,
              [attr.JSONRPC_REQUEST_ID]: step.mcp.request_id,
              ...(step.mcp.session_id ? { [attr.MCP_SESSION_ID]: step.mcp.session_id } : {}),
              [attr.NETWORK_TRANSPORT]: step.mcp.transport === 'stdio' ? 'pipe' : 'tcp',
              [attr.LAB_MCP_SERVER]: step.mcp.server,
            }
          : {}),
      };
    case 'recovery':
      return {
        [attr.LAB_RECOVERY_ACTION]: step.action,
        [attr.LAB_RECOVERY_TARGET]: step.target,
        [attr.LAB_RECOVERY_EPISODE]: step.episode,
        ...(step.fallback ? { [attr.LAB_FALLBACK_TYPE]: step.fallback.type } : {}),
      };
    case 'turn':
      return {};
  }
}

/** server.address and server.port of an endpoint URL (the scheme's default port when it names none). */
function serverOf(endpoint: string | undefined): Attributes {
  if (!endpoint) return {};
  try {
    const url = new URL(endpoint);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { [attr.SERVER_ADDRESS]: url.hostname.replace(/^\[|\]$/g, ''), [attr.SERVER_PORT]: port };
  } catch {
    return {};
  }
}
