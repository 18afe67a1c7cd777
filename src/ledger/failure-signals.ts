import type { FailureKind } from '../contracts/failure-kind.ts';
import type { CaptureFailure, FailureSignals } from '../contracts/failure-occurrence.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { RunRecords } from '../derive/derive-run-records.ts';
import { failureTypeOf } from '../classify/failure-type.ts';

export type { CaptureFailure, FailureSignals } from '../contracts/failure-occurrence.ts';

/** The signals of a run's own failure (a run that passed has none). */
export function runSignals(trace: TraceRecord, related: RunRecords): FailureSignals | null {
  const event = trace.failure;
  if (!event) return null;
  const primary = related.failure_traces.find((t) => t.cascade.some((e) => e.failure_id === event.failure_id));
  const error = 'error' in event ? event.error : null;
  const failedCall = [...trace.steps]
    .reverse()
    .find((s) => s.type === 'model_call' && s.http_status !== null && s.http_status >= 400);
  return {
    source: 'run',
    capture: null,
    subject_id: trace.subject_id,
    scenario_id: trace.scenario_id,
    kind: event.kind,
    expected: trace.expected,
    timeout_source: event.kind === 'timeout' ? event.timeout.source : null,
    validation_source: event.kind === 'validation_error' ? event.validation.source : null,
    validation_issues:
      event.kind === 'validation_error'
        ? event.validation.issues.map((i) => ({ path: i.path.replace(/\[\d+\]/g, '[]'), code: i.code }))
        : [],
    grounding:
      event.kind === 'hallucination_flag'
        ? event.grounding.flags.map((f) => ({ check: f.check, path: f.path.replace(/\[\d+\]/g, '[]') }))
        : [],
    error_class: error?.class ?? null,
    error_code: error?.code ?? null,
    http_status: error?.status ?? (failedCall?.type === 'model_call' ? failedCall.http_status : null),
    failure_type: failureTypeOf(event),
    component: primary?.component ?? `agent:${trace.subject_id}`,
    message: event.message,
    lab_exit_code: null,
  };
}

/** The signals of a failure of the capture itself. */
export function captureSignals({
  capture,
  subject,
  scenario,
  expected,
  detected,
  message,
  labExitCode = null,
  errorClass = null,
}: {
  capture: CaptureFailure;
  subject: string;
  scenario: string;
  expected: FailureKind | null;
  detected: FailureKind | null;
  message: string;
  labExitCode?: number | null;
  errorClass?: string | null;
}): FailureSignals {
  return {
    source: 'capture',
    capture,
    subject_id: subject,
    scenario_id: scenario,
    kind: detected,
    expected,
    timeout_source: null,
    validation_source: null,
    validation_issues: [],
    grounding: [],
    error_class: errorClass,
    error_code: null,
    http_status: null,
    failure_type: null,
    component: capture === 'mismatch' ? `scenario:${scenario}` : capture === 'lab_error' ? 'lab' : 'store',
    message,
    lab_exit_code: labExitCode,
  };
}
