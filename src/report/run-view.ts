import { failureTypeOf } from '../classify/failure-type.ts';
import type { ErrorInfo, Preview } from '../contracts/common.ts';
import type { FailureEvent } from '../contracts/failure-event.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { cascadeDepth, recoveryOutcome, type RunRecords } from '../derive/derive-run-records.ts';
import type {
  CascadeNodeView,
  ErrorView,
  FailureView,
  LabelledPreview,
  RunDetail,
  RunRow,
  StepView,
  TrimmedPreview,
} from './report-data.ts';

/**
 * What the report keeps of a run, and how much. A record keeps previews of up to 2,048
 * characters and whole stacks; the report keeps less so that 10,000 runs stay one file a browser
 * opens quickly. Every cut is marked (`cut`, "… N more"), and the record in the store stays whole.
 */
export const REPORT_LIMITS = {
  /** The failure message in the runs table. */
  rowMessageChars: 160,
  /** A step's request, response, arguments, result or check detail. */
  stepPreviewChars: 320,
  /** The run's input and output. */
  runPreviewChars: 800,
  /** An error message. */
  errorMessageChars: 400,
  /** Lines of a stack, after the message line. */
  stackLines: 5,
  /** Validation issues and grounding flags listed. */
  evidenceItems: 25,
  /** Values a grounding flag lists as known. */
  knownValues: 12,
  /** Characters of a recovery metadata value. */
  metadataChars: 120,
} as const;

/** Text cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Milliseconds rounded to a tenth, so bytes do not carry float noise. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A preview cut to `max` characters. */
export function trimPreview(p: Preview, max: number): TrimmedPreview {
  return { type: p.type, text: clip(p.text, max), bytes: p.bytes, cut: p.truncated || p.text.length > max };
}

function errorView(e: ErrorInfo): ErrorView {
  let stack: string | null = null;
  if (e.stack) {
    const lines = e.stack.split('\n');
    // The first line repeats the message; frames follow.
    const frames = lines.slice(1).filter((l) => l.trim().startsWith('at '));
    const kept = frames.slice(0, REPORT_LIMITS.stackLines).map((l) => clip(l.trim(), 200));
    if (frames.length > kept.length) kept.push(`… ${frames.length - kept.length} more frames`);
    stack = kept.length > 0 ? kept.join('\n') : null;
  }
  return {
    class: e.class,
    name: e.name,
    message: clip(e.message, REPORT_LIMITS.errorMessageChars),
    code: e.code,
    status: e.status,
    thrown: e.thrown,
    cause: e.cause ? { class: e.cause.class, message: clip(e.cause.message, REPORT_LIMITS.errorMessageChars) } : null,
    stack,
  };
}

function offsetMs(from: string, at: string): number {
  return Math.max(0, Date.parse(at) - Date.parse(from));
}

function labelled(label: string, p: Preview): LabelledPreview {
  return { label, ...trimPreview(p, REPORT_LIMITS.stepPreviewChars) };
}

function stepView(trace: TraceRecord, step: TraceStep): StepView {
  const max = REPORT_LIMITS.stepPreviewChars;
  const base: Omit<StepView, 'summary' | 'previews'> = {
    index: step.index,
    type: step.type,
    name: step.name,
    status: step.status,
    start_ms: offsetMs(trace.started_at, step.started_at),
    duration_ms: step.duration_ms === null ? null : roundMs(step.duration_ms),
  };
  if (step.agent !== null) base.agent = step.agent;
  if (step.turn !== null) base.turn = step.turn;
  if (step.error) base.error = errorView(step.error);
  switch (step.type) {
    case 'model_call': {
      const parts = [
        step.api,
        step.model ?? trace.model.name,
        step.stream ? 'stream' : null,
        step.http_status === null ? null : `HTTP ${step.http_status}`,
        step.finish_reason,
        step.tool_calls.length ? `asked for ${step.tool_calls.map((c) => c.name).join(', ')}` : null,
        step.usage ? `${step.usage.input_tokens}+${step.usage.output_tokens} tokens` : null,
      ];
      const previews = [labelled('request', step.request)];
      if (step.response) previews.push(labelled('response', step.response));
      return { ...base, summary: parts.filter((p) => p !== null).join(' · '), previews };
    }
    case 'tool_call': {
      const previews = [labelled('arguments', step.arguments)];
      if (step.result) previews.push(labelled('result', step.result));
      return {
        ...base,
        summary: `${step.tool}${step.declared ? '' : ' (never declared)'}${step.call_id ? ` · call ${step.call_id}` : ''}`,
        previews,
      };
    }
    case 'check': {
      const previews = step.detail
        ? [
            {
              label: 'detail',
              type: 'string',
              text: clip(step.detail, max),
              bytes: Buffer.byteLength(step.detail),
              cut: step.detail.length > max,
            },
          ]
        : [];
      return { ...base, summary: `${step.check} ${step.passed ? 'passed' : 'failed'}`, previews };
    }
    case 'turn': {
      const previews = [labelled('user', step.user)];
      if (step.reply) previews.push(labelled('reply', step.reply));
      return { ...base, summary: `turn ${step.turn} · ${step.status === 'ok' ? 'replied' : step.status}`, previews };
    }
    case 'recovery': {
      const metadata = Object.fromEntries(
        Object.entries(step.metadata).map(([k, v]) => [
          k,
          typeof v === 'string' ? clip(v, REPORT_LIMITS.metadataChars) : v,
        ]),
      );
      const trigger =
        step.trigger.step_index !== null
          ? `step ${step.trigger.step_index}${step.trigger.message ? `: ${clip(step.trigger.message, 200)}` : ''}`
          : step.trigger.message
            ? clip(step.trigger.message, 200)
            : null;
      const fallback = step.fallback
        ? `${step.fallback.type} ${step.fallback.id}${step.fallback.name ? ` (${step.fallback.name})` : ''}, confidence ${step.fallback.confidence_impact ?? 'unknown'}`
        : null;
      return {
        ...base,
        summary: `${step.action} ${step.target} → ${step.outcome ?? 'unfinished'}`,
        previews: [],
        recovery: {
          action: step.action,
          target: step.target,
          outcome: step.outcome,
          episode: step.episode,
          trigger,
          inner_steps: step.inner_steps,
          fallback,
          metadata,
        },
      };
    }
  }
}

function failureView(f: FailureEvent): FailureView {
  const n = REPORT_LIMITS.evidenceItems;
  const trail = f.taxonomy.trail ? f.taxonomy.trail.path.join(' / ') : null;
  const mast = f.taxonomy.mast ? `${f.taxonomy.mast.id} ${f.taxonomy.mast.name}` : null;
  const view: FailureView = {
    failure_id: f.failure_id,
    kind: f.kind,
    message: clip(f.message, REPORT_LIMITS.errorMessageChars),
    step_index: f.step_index,
    // turn only in a conversation: the views of other runs stay as they were.
    location: {
      step_index: f.location.step_index,
      span_id: f.location.span_id,
      agent: f.location.agent,
      ...(f.location.turn !== null ? { turn: f.location.turn } : {}),
    },
    taxonomy: { version: f.taxonomy.version, trail, mast },
    timeout: null,
    error: null,
    validation: null,
    grounding: null,
  };
  switch (f.kind) {
    case 'timeout':
      view.timeout = {
        source: f.timeout.source,
        deadline_ms: f.timeout.deadline_ms,
        elapsed_ms: roundMs(f.timeout.elapsed_ms),
      };
      view.error = f.error ? errorView(f.error) : null;
      break;
    case 'exception':
      view.error = errorView(f.error);
      break;
    case 'validation_error':
      view.validation = {
        source: f.validation.source,
        issues: f.validation.issues
          .slice(0, n)
          .map((i) => ({ path: i.path, code: i.code, message: clip(i.message, 300) })),
        more: Math.max(0, f.validation.issues.length - n),
      };
      view.error = f.error ? errorView(f.error) : null;
      break;
    case 'hallucination_flag':
      view.grounding = {
        flags: f.grounding.flags.slice(0, n).map((g) => ({
          check: g.check,
          path: g.path,
          claim: clip(g.claim, 300),
          reason: clip(g.reason, 300),
          known: g.known ? g.known.slice(0, REPORT_LIMITS.knownValues).map((k) => clip(k, 120)) : null,
          known_more: g.known ? Math.max(0, g.known.length - REPORT_LIMITS.knownValues) : 0,
          expected: g.expected === null ? null : clip(g.expected, 300),
        })),
        more: Math.max(0, f.grounding.flags.length - n),
      };
      break;
  }
  return view;
}

/** Where a cascade ref points, in words: a step of the run, the run itself, or the ref as it is. */
function whereOf(trace: TraceRecord, ref: string): { where: string; step_index: number | null } {
  const step =
    trace.steps.find((s) => s.span_id === ref) ?? trace.steps.find((s) => ref === `${trace.trace_id}#step-${s.index}`);
  if (step) return { where: `step ${step.index}: ${step.name}`, step_index: step.index };
  if (ref === trace.otel.span_id) return { where: `the run: invoke_agent ${trace.subject_id}`, step_index: null };
  return { where: ref, step_index: null };
}

/** The index of a cascade entry's parent among the entries (null for the primary). */
function parentIndex(cascade: readonly { failure_id: string }[], parent: string | null): number | null {
  const i = parent === null ? -1 : cascade.findIndex((p) => p.failure_id === parent);
  return i < 0 ? null : i;
}

/** The runs table's row of a run. */
export function runRow(trace: TraceRecord, related: RunRecords): RunRow {
  return {
    trace_id: trace.trace_id,
    failure_id: trace.failure_id,
    build_id: trace.build_id,
    scenario_id: trace.scenario_id,
    subject_id: trace.subject_id,
    repeat_index: trace.run.repeat_index,
    expected: trace.expected ?? 'pass',
    detected: trace.detected ?? 'pass',
    started_at: trace.started_at,
    duration_ms: roundMs(trace.duration_ms),
    cascade_depth: cascadeDepth(related),
    recovery: recoveryOutcome(related) ?? 'none',
    failure_type: trace.failure ? failureTypeOf(trace.failure) : 'none',
    message: trace.failure ? clip(trace.failure.message, REPORT_LIMITS.rowMessageChars) : null,
    steps: trace.steps.length,
  };
}

/** Everything a run's view shows, trimmed (see REPORT_LIMITS). */
export function runDetail(trace: TraceRecord, related: RunRecords, derived: boolean): RunDetail {
  const detail: RunDetail = {
    trace_id: trace.trace_id,
    failure_id: trace.failure_id,
    build_id: trace.build_id,
    scenario_id: trace.scenario_id,
    subject_id: trace.subject_id,
    expected: trace.expected ?? 'pass',
    detected: trace.detected ?? 'pass',
    started_at: trace.started_at,
    duration_ms: roundMs(trace.duration_ms),
    run: trace.run,
    model: trace.model.name,
    otel: trace.otel,
    input: trimPreview(trace.input, REPORT_LIMITS.runPreviewChars),
    output: trace.output ? trimPreview(trace.output, REPORT_LIMITS.runPreviewChars) : null,
    steps: trace.steps.map((s) => stepView(trace, s)),
    failure: trace.failure ? failureView(trace.failure) : null,
    failure_traces: related.failure_traces.map((t) => ({
      trace_id: t.trace_id,
      primary_type: t.primary_type,
      component: t.component,
      nodes: t.cascade.map(
        (e): CascadeNodeView => ({
          parent: parentIndex(t.cascade, e.parent_failure_id),
          own: e.failure_id === trace.failure_id,
          hop: e.propagation_hop,
          failure_type: e.failure_type,
          ...whereOf(trace, e.ref),
          at_ms: offsetMs(trace.started_at, e.timestamp),
          message: e.message === null ? null : clip(e.message, REPORT_LIMITS.errorMessageChars),
        }),
      ),
    })),
    recovery_traces: related.recovery_traces.map((t) => ({
      trace_id: t.trace_id,
      trigger_type: t.trigger_type,
      final_outcome: t.final_outcome,
      actions: t.actions.map((a) => ({
        sequence: a.sequence,
        action_type: a.action_type,
        target: a.target_ref,
        outcome: a.outcome,
        duration_ms: a.duration_ms === null ? null : roundMs(a.duration_ms),
        at_ms: offsetMs(trace.started_at, a.timestamp),
      })),
    })),
    fallbacks: related.fallback_records.map((f) => ({
      fallback_id: f.fallback_id,
      fallback_type: f.fallback_type,
      path: f.fallback_path_id,
      name: f.fallback_path_name,
      primary: f.primary_path_ref,
      outcome: f.outcome_status,
      confidence_impact: f.confidence_impact,
    })),
  };
  if (derived) detail.derived = true;
  return detail;
}
