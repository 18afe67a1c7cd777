import { createHmac } from 'node:crypto';
import type { BlindError, BlindSpan, BlindTrace } from '../contracts/blind-trace.ts';
import { BLIND_TRACE_VERSION } from '../contracts/blind-trace.ts';
import type { ErrorInfo } from '../contracts/common.ts';
import { DATASET_LABEL_VERSION, type DatasetLabel, type InjectedFaultLabel } from '../contracts/dataset-label.ts';
import type { FaultSite } from '../contracts/fault.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';
import { evidenceOf } from './evidence.ts';
import { mastCategory, mastCode } from './mast.ts';

/** The error an aborted run or step shows its own code: the abort, never the lab's reason for it. */
const ABORTED: BlindError = { class: 'AbortError', message: 'This operation was aborted', status: null };

/** A blind trace and its label. */
export interface BlindPair {
  trace: BlindTrace;
  label: DatasetLabel;
}

/**
 * Draws an id anew from the seed: the same record and seed give the same id (a dataset is
 * reproducible), and without the seed nothing links it to the stored id.
 */
export function redraw(seed: string, what: string, length: 16 | 32): string {
  return createHmac('sha256', seed).update(what).digest('hex').slice(0, length);
}

/**
 * A run as its agent's own telemetry would hold it (see docs/analyzers.md, "Blind traces"), and
 * its label apart. Left out: check steps, the classification and its messages, the scenario, the
 * expected and detected kinds, every lab.* attribute. Steps are numbered anew without the checks;
 * a failure located at a check (output that broke its schema with no model call before it) is
 * located at the root span.
 */
export function blindTraceOf(record: TraceRecord, seed: string): BlindPair {
  const traceId = redraw(seed, `trace:${record.trace_id}`, 32);
  const spanId = (id: string | null, fallback: string) => redraw(seed, `span:${record.trace_id}:${id ?? fallback}`, 16);
  const rootId = spanId(record.otel.span_id, 'root');
  const steps = record.steps.filter((s): s is Exclude<TraceStep, { type: 'check' }> => s.type !== 'check');
  const blindIndex = new Map(steps.map((s, i) => [s.index, i]));
  const spanOf = new Map(steps.map((s) => [s.index, spanId(s.span_id, `step:${s.index}`)]));
  const failure = record.failure;
  const error = runError(record);

  const root: BlindSpan = {
    span_id: rootId,
    parent_span_id: null,
    step_index: null,
    name: `invoke_agent ${record.subject_id}`,
    kind: 'agent',
    agent: null,
    started_at: record.started_at,
    ended_at: record.ended_at,
    duration_ms: record.duration_ms,
    status:
      failure?.kind === 'timeout' && failure.timeout.source !== 'request_timeout' ? 'aborted' : error ? 'error' : 'ok',
    error,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': record.subject_id,
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': record.model.name,
    },
  };
  const spans: BlindSpan[] = [
    root,
    ...steps.map(
      (s, i): BlindSpan => ({
        span_id: spanOf.get(s.index)!,
        parent_span_id: rootId,
        step_index: i,
        name: s.name,
        kind: s.type === 'model_call' ? 'llm' : s.type === 'tool_call' ? 'tool' : 'chain',
        agent: s.agent,
        started_at: s.started_at,
        ended_at: s.ended_at,
        duration_ms: s.duration_ms,
        status: s.status,
        error: s.status === 'aborted' ? ABORTED : s.error ? blindError(s.error) : null,
        attributes: attributesOf(s, blindIndex),
      }),
    ),
  ];

  const trace: BlindTrace = {
    schema_version: BLIND_TRACE_VERSION,
    trace_id: traceId,
    agent: record.subject_id,
    started_at: record.started_at,
    ended_at: record.ended_at,
    duration_ms: record.duration_ms,
    input: record.input.text,
    output: record.output?.text ?? null,
    error,
    spans,
  };

  const located = failure?.location.step_index ?? null;
  const at = located === null ? undefined : blindIndex.get(located);
  const label: DatasetLabel = {
    schema_version: DATASET_LABEL_VERSION,
    trace_id: traceId,
    subject: record.subject_id,
    kind: record.expected,
    location: failure
      ? at === undefined
        ? { span_id: rootId, step_index: null }
        : { span_id: spans[at + 1]!.span_id, step_index: at }
      : null,
    agent: failure ? (failure.location.agent ?? record.subject_id) : null,
    trail_category: failure?.taxonomy.trail?.path.at(-1) ?? null,
    mast_mode: failure?.taxonomy.mast ? mastCode(failure.taxonomy.mast.id) : null,
    mast_category: failure?.taxonomy.mast ? mastCategory(failure.taxonomy.mast.id) : null,
    evidence: failure ? evidenceOf(failure) : null,
    injected_faults: injectedFaultLabels(record, steps, (index) => {
      const i = blindIndex.get(index);
      return i === undefined ? undefined : { index: i, span: spans[i + 1]! };
    }),
  };
  return { trace, label };
}

/**
 * The run's injected faults (TraceRecord.injected_faults, by construction) as localization ground
 * truth in the blind trace's terms: the step renumbered without the checks, its span and kind, and
 * the agent that owns it (the framework's agent the step names, else the subject), in step order
 * (a fault whose call left no step last). A fault whose
 * step is not in the record, or is not of its step_type, is a record at odds with itself: refused.
 */
function injectedFaultLabels(
  record: TraceRecord,
  steps: readonly Exclude<TraceStep, { type: 'check' }>[],
  blind: (index: number) => { index: number; span: BlindSpan } | undefined,
): InjectedFaultLabel[] {
  const byIndex = new Map(steps.map((s) => [s.index, s]));
  const labels = record.injected_faults.map((f, i): InjectedFaultLabel => {
    if (f.step_index === null)
      return {
        source: f.source,
        site: f.site,
        step_index: null,
        span_id: null,
        step_kind: null,
        agent: record.subject_id,
        turn: siteTurn(f.site),
        fault: f.fault,
      };
    const step = byIndex.get(f.step_index);
    const at = blind(f.step_index);
    if (!step || !at || step.type !== f.step_type)
      throw new ContractViolationError({
        recordKey: record.trace_id,
        message: `injected_faults[${i}] names step ${f.step_index} as a ${f.step_type}, but the record's step ${f.step_index} is ${step ? `a ${step.type}` : 'missing'}; the record cannot be labelled`,
      });
    return {
      source: f.source,
      site: f.site,
      step_index: at.index,
      span_id: at.span.span_id,
      step_kind: step.type === 'model_call' ? 'llm' : 'tool',
      agent: step.agent ?? record.subject_id,
      turn: step.turn ?? siteTurn(f.site),
      fault: f.fault,
    };
  });
  // In step order (the record lists the script's faults, then the MCP proxy's, then the live endpoint's); no step last.
  return labels.sort((a, b) => (a.step_index ?? Number.MAX_SAFE_INTEGER) - (b.step_index ?? Number.MAX_SAFE_INTEGER));
}

/** The turn a fault was placed in (an MCP server's start has none). */
const siteTurn = (site: FaultSite): number | null => ('turn' in site ? (site.turn ?? null) : null);

/** What the run ended with, as its own code met it. */
function runError(record: TraceRecord): BlindError | null {
  const failure = record.failure;
  if (!failure) return null;
  switch (failure.kind) {
    case 'exception':
      return blindError(failure.error);
    case 'timeout':
      // Cut off at the deadline: the run saw its signal abort. A request's own timeout is what it threw.
      return failure.timeout.source === 'request_timeout' && failure.error ? blindError(failure.error) : ABORTED;
    case 'validation_error':
      return failure.error ? blindError(failure.error) : null;
    case 'hallucination_flag':
      return null;
  }
}

function blindError(error: ErrorInfo): BlindError {
  return { class: error.class, message: error.message, status: error.status };
}

/** The gen_ai.* attributes an agent's own instrumentation gives a step. */
function attributesOf(
  step: Exclude<TraceStep, { type: 'check' }>,
  blindIndex: Map<number, number>,
): BlindSpan['attributes'] {
  switch (step.type) {
    case 'model_call': {
      const request = parseJson(step.request.text);
      const response = step.response ? parseJson(step.response.text) : undefined;
      return {
        'gen_ai.operation.name': step.api === 'responses' ? 'responses' : 'chat',
        'gen_ai.provider.name': 'openai',
        ...(step.model ? { 'gen_ai.request.model': step.model } : {}),
        'gen_ai.request.stream': step.stream,
        'gen_ai.input.messages': messagesOf(request, step.request.text),
        ...(step.response ? { 'gen_ai.output.messages': outputOf(response, step.response.text) } : {}),
        ...(step.http_status !== null ? { 'http.response.status_code': step.http_status } : {}),
        ...(step.finish_reason ? { 'gen_ai.response.finish_reasons': [step.finish_reason] } : {}),
        ...(step.usage
          ? {
              'gen_ai.usage.input_tokens': step.usage.input_tokens,
              'gen_ai.usage.output_tokens': step.usage.output_tokens,
            }
          : {}),
        ...(step.tool_calls.length > 0
          ? {
              'gen_ai.response.tool_calls': JSON.stringify(
                step.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments.text })),
              ),
            }
          : {}),
      };
    }
    case 'tool_call':
      return {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': step.tool,
        'gen_ai.tool.type': 'function',
        ...(step.call_id ? { 'gen_ai.tool.call.id': step.call_id } : {}),
        'gen_ai.tool.call.arguments': step.arguments.text,
        ...(step.result ? { 'gen_ai.tool.call.result': step.result.text } : {}),
      };
    case 'recovery':
      return {
        'recovery.action': step.action,
        'recovery.target': step.target,
        ...(step.outcome ? { 'recovery.outcome': step.outcome } : {}),
        ...(step.trigger.message !== null ? { 'recovery.trigger.message': step.trigger.message } : {}),
        ...(step.trigger.step_index !== null && blindIndex.has(step.trigger.step_index)
          ? { 'recovery.trigger.step_index': blindIndex.get(step.trigger.step_index)! }
          : {}),
        ...(step.inner_steps.length > 0
          ? {
              'recovery.inner_steps': step.inner_steps.flatMap((i) =>
                blindIndex.has(i) ? [String(blindIndex.get(i))] : [],
              ),
            }
          : {}),
        ...(step.fallback
          ? { 'recovery.fallback.type': step.fallback.type, 'recovery.fallback.id': step.fallback.id }
          : {}),
      };
    case 'turn':
      // A turn of a conversation: what the user said and what the agent answered, as a chat app's own span would hold them.
      return {
        'conversation.turn': step.turn ?? 0,
        'conversation.user_message': step.user.text,
        ...(step.reply ? { 'conversation.reply': step.reply.text } : {}),
      };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The request's messages (Chat Completions) or input (Responses) as JSON text; the raw body when it was cut. */
function messagesOf(request: unknown, raw: string): string {
  if (request && typeof request === 'object') {
    const r = request as { messages?: unknown; input?: unknown };
    if (r.messages !== undefined) return JSON.stringify(r.messages);
    if (r.input !== undefined) return JSON.stringify(r.input);
  }
  return raw;
}

/** The reply's message(s) as JSON text; the raw body for a stream or a body that was cut. */
function outputOf(response: unknown, raw: string): string {
  if (response && typeof response === 'object') {
    const r = response as { choices?: { message?: unknown }[]; output?: unknown };
    if (Array.isArray(r.choices)) return JSON.stringify(r.choices.map((c) => c.message ?? null));
    if (r.output !== undefined) return JSON.stringify(r.output);
  }
  return raw;
}
