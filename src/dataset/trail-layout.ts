import type { BlindSpan, BlindTrace } from '../contracts/blind-trace.ts';
import type { DatasetLabel } from '../contracts/dataset-label.ts';
import { LAB_VERSION } from '../internal/lab-version.ts';

// TRAIL (Patronus AI, arXiv:2505.08638) keeps one trace per file, `data/<trace_id>.json`, and its
// labels in `annotations/<trace_id>.json`; its dataset's rows hold both as JSON strings. A span has
// exactly the 19 keys below, every attribute value is a string, events are
// {Timestamp, Name, Attributes}, timestamps are in microseconds, and LLM spans carry OpenInference's
// llm.input_messages.* / llm.output_messages.* attributes. See docs/analyzers.md.

/** One span as a TRAIL trace file holds it, keys in TRAIL's order. */
export interface TrailSpan {
  timestamp: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  trace_state: string;
  span_name: string;
  span_kind: 'Internal' | 'Client';
  service_name: string;
  resource_attributes: Record<string, string>;
  scope_name: string;
  scope_version: string;
  span_attributes: Record<string, string>;
  duration: string;
  status_code: 'Unset' | 'Ok' | 'Error';
  status_message: string;
  events: { Timestamp: string; Name: string; Attributes: Record<string, string> }[];
  links: never[];
  logs: never[];
  child_spans: TrailSpan[];
}

/** A TRAIL trace file. */
export interface TrailTrace {
  trace_id: string;
  spans: TrailSpan[];
}

/** One labelled error, as TRAIL's annotations and its scorer read it. */
export interface TrailError {
  category: string;
  location: string;
  evidence: string;
  description: string;
  impact: 'HIGH' | 'MEDIUM' | 'LOW';
}

/** A TRAIL annotation file. `scores` are annotators' 0-5 judgments the lab does not make: always empty. */
export interface TrailAnnotation {
  errors: TrailError[];
  scores: never[];
}

/** A row of TRAIL's dataset: the trace and its labels, each as a JSON string. */
export interface TrailRow {
  trace: string;
  labels: string;
}

const SERVICE = 'agent-failure-lab';

/**
 * TRAIL's annotation of a labelled trace, or null when it has none to give: a passing trace
 * (TRAIL's scorer counts an error-free trace as 0, so none is written) or a failure no TRAIL
 * category covers.
 */
export function trailAnnotationOf(label: DatasetLabel): TrailAnnotation | null {
  if (label.kind === null || label.trail_category === null || label.location === null) return null;
  return {
    errors: [
      {
        category: label.trail_category,
        location: label.location.span_id,
        evidence: label.evidence ?? '',
        description: `The run ended in ${label.kind.replace('_', ' ')} at this span: ${label.evidence ?? ''}`,
        impact: 'HIGH',
      },
    ],
    scores: [],
  };
}

/** A blind trace in TRAIL's span shape: the root span, with every step as its child. */
export function trailTraceOf(trace: BlindTrace): TrailTrace {
  const [root, ...steps] = trace.spans;
  const resource = {
    'service.name': SERVICE,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  };
  const convert = (span: BlindSpan, extra: Record<string, string>, children: TrailSpan[]): TrailSpan => ({
    timestamp: `${micro(span.started_at)}Z`,
    trace_id: trace.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id,
    trace_state: '',
    span_name: span.name,
    span_kind: span.kind === 'llm' ? 'Client' : 'Internal',
    service_name: SERVICE,
    resource_attributes: resource,
    scope_name: SERVICE,
    scope_version: LAB_VERSION,
    span_attributes: { ...openInference(span), ...extra },
    duration: isoDuration(span.duration_ms ?? 0),
    status_code: span.status === 'ok' ? 'Ok' : span.status === 'unfinished' ? 'Unset' : 'Error',
    status_message: span.error ? span.error.message : '',
    events: span.error
      ? [
          {
            Timestamp: micro(span.ended_at ?? span.started_at),
            Name: 'exception',
            Attributes: {
              'exception.type': span.error.class,
              'exception.message': span.error.message,
              'exception.escaped': 'False',
            },
          },
        ]
      : [],
    links: [],
    logs: [],
    child_spans: children,
  });
  const rootSpan = convert(
    root!,
    {
      'openinference.span.kind': 'AGENT',
      'input.value': trace.input,
      'input.mime_type': 'application/json',
      ...(trace.output !== null ? { 'output.value': trace.output, 'output.mime_type': 'application/json' } : {}),
    },
    steps.map((s) => convert(s, {}, [])),
  );
  return { trace_id: trace.trace_id, spans: [rootSpan] };
}

/** The single-file form: a row of TRAIL's dataset, both columns JSON strings. */
export function trailRowOf(trace: TrailTrace, annotation: TrailAnnotation): TrailRow {
  return { trace: JSON.stringify(trace), labels: JSON.stringify(annotation) };
}

/** Every attribute as a string (Python's True/False for booleans, JSON for lists), plus OpenInference's names. */
function openInference(span: BlindSpan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) out[key] = stringOf(value);
  const a = span.attributes;
  if (span.agent) out['agent.name'] = span.agent;
  switch (span.kind) {
    case 'llm': {
      out['openinference.span.kind'] = 'LLM';
      if (typeof a['gen_ai.request.model'] === 'string') out['llm.model_name'] = a['gen_ai.request.model'];
      out['llm.provider'] = 'openai';
      const input = a['gen_ai.input.messages'];
      if (typeof input === 'string') {
        out['input.value'] = input;
        out['input.mime_type'] = 'application/json';
        messages(input).forEach((m, i) => {
          out[`llm.input_messages.${i}.message.role`] = m.role;
          out[`llm.input_messages.${i}.message.content`] = m.content;
        });
      }
      const output = a['gen_ai.output.messages'];
      if (typeof output === 'string') {
        out['output.value'] = output;
        out['output.mime_type'] = 'application/json';
        messages(output).forEach((m, i) => {
          out[`llm.output_messages.${i}.message.role`] = m.role;
          out[`llm.output_messages.${i}.message.content`] = m.content;
        });
      }
      const calls = a['gen_ai.response.tool_calls'];
      if (typeof calls === 'string') {
        for (const [j, c] of (JSON.parse(calls) as { id: string; name: string; arguments: string }[]).entries()) {
          out[`llm.output_messages.0.message.tool_calls.${j}.tool_call.id`] = c.id;
          out[`llm.output_messages.0.message.tool_calls.${j}.tool_call.function.name`] = c.name;
          out[`llm.output_messages.0.message.tool_calls.${j}.tool_call.function.arguments`] = c.arguments;
        }
      }
      if (typeof a['gen_ai.usage.input_tokens'] === 'number' && typeof a['gen_ai.usage.output_tokens'] === 'number') {
        out['llm.token_count.prompt'] = String(a['gen_ai.usage.input_tokens']);
        out['llm.token_count.completion'] = String(a['gen_ai.usage.output_tokens']);
        out['llm.token_count.total'] = String(a['gen_ai.usage.input_tokens'] + a['gen_ai.usage.output_tokens']);
      }
      break;
    }
    case 'tool':
      out['openinference.span.kind'] = 'TOOL';
      if (typeof a['gen_ai.tool.name'] === 'string') out['tool.name'] = a['gen_ai.tool.name'];
      if (typeof a['gen_ai.tool.call.arguments'] === 'string') out['input.value'] = a['gen_ai.tool.call.arguments'];
      if (typeof a['gen_ai.tool.call.result'] === 'string') out['output.value'] = a['gen_ai.tool.call.result'];
      break;
    case 'chain':
      out['openinference.span.kind'] = 'CHAIN';
      break;
    case 'agent':
      break;
  }
  return out;
}

/** Role and content of each message in a JSON list (Chat Completions messages, Responses input items). */
function messages(json: string): { role: string; content: string }[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.map((m) => {
    const item = (m ?? {}) as { role?: unknown; type?: unknown; content?: unknown };
    const role = typeof item.role === 'string' ? item.role : typeof item.type === 'string' ? item.type : 'unknown';
    const content =
      typeof item.content === 'string' ? item.content : item.content == null ? '' : JSON.stringify(item.content);
    return { role, content };
  });
}

function stringOf(value: string | number | boolean | string[]): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** An ISO time with microseconds and no zone letter: "2026-12-06T10:00:00.123000". */
function micro(iso: string): string {
  return iso.replace(/(\.\d{3})?Z$/, (_, ms: string | undefined) => `${ms ?? '.000'}000`);
}

/** An ISO 8601 duration as TRAIL writes one: "PT11.677201S", "PT1M48.75533S". */
export function isoDuration(ms: number): string {
  const seconds = ms / 1000;
  const minutes = Math.floor(seconds / 60);
  const rest = Number((seconds - minutes * 60).toFixed(6));
  return minutes > 0 ? `PT${minutes}M${rest}S` : `PT${rest}S`;
}
