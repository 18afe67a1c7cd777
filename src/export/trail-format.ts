import type { FailureEvent } from '../contracts/failure-event.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { TraceStep } from '../contracts/trace-step.ts';

// A labelled run in the shape of TRAIL (Patronus AI, arXiv:2505.08638; the PatronusAI/TRAIL
// dataset): each row holds a `trace` (OpenTelemetry spans with OpenInference attributes, nested
// through `child_spans`) and its `labels` ({errors: [{category, location, evidence, description,
// impact}], scores}), so an analyzer benchmarked on TRAIL reads the lab's runs unchanged.

/** One span as a TRAIL trace holds it. */
export interface TrailSpan {
  timestamp: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  span_name: string;
  span_kind: 'Internal' | 'Client';
  service_name: string;
  /** ISO 8601 duration, e.g. "PT0.125S". */
  duration: string;
  status_code: 'Unset' | 'Ok' | 'Error';
  status_message: string;
  span_attributes: Record<string, string | number | boolean>;
  events: { timestamp: string; name: string; attributes: Record<string, string> }[];
  child_spans: TrailSpan[];
}

/** A TRAIL trace: its OpenTelemetry trace id and its root spans. */
export interface TrailTrace {
  trace_id: string;
  spans: TrailSpan[];
}

/** One labelled error: a leaf category of TRAIL's taxonomy, the span where it first shows (the last, for Resource Abuse), and why. */
export interface TrailError {
  category: string;
  location: string;
  evidence: string;
  description: string;
  impact: 'HIGH' | 'MEDIUM' | 'LOW';
}

/** TRAIL's labels of one trace. `scores` (reliability, security, ... 0-5) are annotators' judgments the lab does not make: always empty. */
export interface TrailLabels {
  errors: TrailError[];
  scores: never[];
}

/** One row: what `json.loads(row["trace"])` and `json.loads(row["labels"])` give for a row of the TRAIL dataset. */
export interface TrailRow {
  trace: TrailTrace;
  labels: TrailLabels;
}

/** Why a run has no TRAIL row. */
export type TrailSkip = 'mismatched' | 'unmapped';

const SERVICE = 'agent-failure-lab';

/**
 * A run as a TRAIL row, or why it has none: a run whose detection differs from its scenario's
 * expectation has no trustworthy label (`mismatched`), and a failure no TRAIL category covers
 * cannot be written as one (`unmapped`); a row saying "no errors" would be a wrong label either way.
 * A passing run is a row with no errors. Failures the run recovered from are not labelled: the
 * lab's ground truth is how the run ended.
 */
export function toTrailRow(record: TraceRecord): TrailRow | TrailSkip {
  if (record.expected !== record.detected) return 'mismatched';
  const failure = record.failure;
  const category = failure?.taxonomy.trail?.path.at(-1);
  if (failure && !category) return 'unmapped';
  const errors: TrailError[] =
    failure && category
      ? [
          {
            category,
            location: failure.location.span_id ?? record.otel.span_id,
            evidence: evidenceOf(failure),
            description: failure.message,
            impact: 'HIGH',
          },
        ]
      : [];
  return { trace: traceOf(record), labels: { errors, scores: [] } };
}

/** The run span, with one child span per step that has a span (checks have none: they become events of the run span). */
function traceOf(record: TraceRecord): TrailTrace {
  const traceId = record.otel.trace_id;
  const children = record.steps.flatMap((s) =>
    s.type !== 'check' && s.span_id !== null ? [stepSpan(s, traceId, record.otel.span_id)] : [],
  );
  const failure = record.failure;
  const root: TrailSpan = {
    timestamp: record.started_at,
    trace_id: traceId,
    span_id: record.otel.span_id,
    parent_span_id: null,
    span_name: `invoke_agent ${record.subject_id}`,
    span_kind: 'Internal',
    service_name: SERVICE,
    duration: isoDuration(record.duration_ms),
    status_code: failure ? 'Error' : 'Unset',
    status_message: failure?.message ?? '',
    span_attributes: {
      'openinference.span.kind': 'AGENT',
      'agent.name': record.subject_id,
      'input.value': record.input.text,
      'input.mime_type': mimeOf(record.input.type),
      ...(record.output ? { 'output.value': record.output.text, 'output.mime_type': mimeOf(record.output.type) } : {}),
      'gen_ai.operation.name': 'invoke_agent',
      'lab.scenario_id': record.scenario_id,
      'lab.trace_id': record.trace_id,
    },
    events: record.steps.flatMap((s) =>
      s.type === 'check'
        ? [
            {
              timestamp: s.started_at,
              name: s.name,
              attributes: {
                'lab.check.passed': String(s.passed),
                ...(s.detail ? { 'lab.check.detail': s.detail } : {}),
              },
            },
          ]
        : [],
    ),
    child_spans: children,
  };
  if (failure && 'error' in failure && failure.error)
    root.events.push(exceptionEvent(failure.occurred_at, failure.error));
  return { trace_id: traceId, spans: [root] };
}

function stepSpan(step: Exclude<TraceStep, { type: 'check' }>, traceId: string, parentId: string): TrailSpan {
  const failed = step.status !== 'ok';
  return {
    timestamp: step.started_at,
    trace_id: traceId,
    span_id: step.span_id!,
    parent_span_id: parentId,
    span_name: step.name,
    span_kind: step.type === 'model_call' ? 'Client' : 'Internal',
    service_name: SERVICE,
    duration: isoDuration(step.duration_ms ?? 0),
    status_code: failed ? 'Error' : 'Unset',
    status_message: failed ? (step.error?.message ?? step.status) : '',
    span_attributes: { ...(step.agent ? { 'agent.name': step.agent } : {}), ...attributesOf(step) },
    events: step.error ? [exceptionEvent(step.ended_at ?? step.started_at, step.error)] : [],
    child_spans: [],
  };
}

/** OpenInference attributes (openinference.span.kind, input.value, output.value, llm.*, tool.*) from a step. */
function attributesOf(step: Exclude<TraceStep, { type: 'check' }>): TrailSpan['span_attributes'] {
  switch (step.type) {
    case 'model_call':
      return {
        'openinference.span.kind': 'LLM',
        ...(step.model ? { 'llm.model_name': step.model } : {}),
        'llm.provider': 'openai',
        'input.value': step.request.text,
        'input.mime_type': 'application/json',
        ...(step.response
          ? { 'output.value': step.response.text, 'output.mime_type': mimeOf(step.response.type) }
          : {}),
        ...(step.usage
          ? {
              'llm.token_count.prompt': step.usage.input_tokens,
              'llm.token_count.completion': step.usage.output_tokens,
              'llm.token_count.total': step.usage.input_tokens + step.usage.output_tokens,
            }
          : {}),
        ...Object.fromEntries(
          step.tool_calls.flatMap((c, i) => [
            [`llm.output_messages.0.message.tool_calls.${i}.tool_call.id`, c.id],
            [`llm.output_messages.0.message.tool_calls.${i}.tool_call.function.name`, c.name],
            [`llm.output_messages.0.message.tool_calls.${i}.tool_call.function.arguments`, c.arguments.text],
          ]),
        ),
        ...(step.http_status !== null ? { 'http.response.status_code': step.http_status } : {}),
        ...(step.finish_reason ? { 'gen_ai.response.finish_reasons': step.finish_reason } : {}),
      };
    case 'tool_call':
      return {
        'openinference.span.kind': 'TOOL',
        'tool.name': step.tool,
        ...(step.call_id ? { 'tool_call.id': step.call_id } : {}),
        'input.value': step.arguments.text,
        'input.mime_type': mimeOf(step.arguments.type),
        ...(step.result ? { 'output.value': step.result.text, 'output.mime_type': mimeOf(step.result.type) } : {}),
        'lab.tool.declared': step.declared,
      };
    case 'recovery':
      return {
        'openinference.span.kind': 'CHAIN',
        'lab.recovery.action': step.action,
        'lab.recovery.target': step.target,
        'lab.recovery.episode': step.episode,
        ...(step.outcome ? { 'lab.recovery.outcome': step.outcome } : {}),
      };
  }
}

/** What in the trace shows the failure, quoted from the record. */
function evidenceOf(failure: FailureEvent): string {
  switch (failure.kind) {
    case 'exception':
      return `${failure.error.class}: ${failure.error.message}`;
    case 'timeout':
      return `no answer within the ${failure.timeout.deadline_ms} ms deadline (${failure.timeout.source}, ${Math.round(failure.timeout.elapsed_ms)} ms elapsed)${failure.error ? `; ${failure.error.class}: ${failure.error.message}` : ''}`;
    case 'validation_error':
      return failure.validation.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    case 'hallucination_flag':
      return failure.grounding.flags.map((f) => `"${f.claim}" at ${f.path}: ${f.reason}`).join('; ');
  }
}

function exceptionEvent(timestamp: string, error: { class: string; message: string }): TrailSpan['events'][number] {
  return {
    timestamp,
    name: 'exception',
    attributes: { 'exception.type': error.class, 'exception.message': error.message },
  };
}

function isoDuration(ms: number): string {
  return `PT${Number((ms / 1000).toFixed(6))}S`;
}

function mimeOf(type: string): string {
  return type === 'object' || type === 'array' ? 'application/json' : 'text/plain';
}
