import { createHash } from 'node:crypto';
import type { FailureOccurrence } from '../contracts/failure-occurrence.ts';
import type { Scenario, Triage } from '../contracts/scenario.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { RunRecords } from '../derive/derive-run-records.ts';
import { captureSignals, type CaptureFailure, runSignals } from './failure-signals.ts';
import { fingerprint } from './fingerprint.ts';

/** One failure seen in a build, with what its FailureRecord needs (its contract: FailureOccurrence). */
export type Occurrence = FailureOccurrence;

/** The occurrence of a run's own failure; null for a run that passed. */
export function runOccurrence(
  trace: TraceRecord,
  related: RunRecords,
  scenario: Pick<Scenario, 'tags' | 'triage'> & { file: string | null },
): Occurrence | null {
  const signals = runSignals(trace, related);
  const event = trace.failure;
  if (!signals || !event) return null;
  const error = 'error' in event ? event.error : null;
  const chain = related.failure_traces.find((t) => t.cascade.some((e) => e.failure_id === event.failure_id));
  const primary = chain?.cascade[0];
  return {
    signals,
    fingerprint: fingerprint(signals),
    failure_id: event.failure_id,
    trace_id: trace.trace_id,
    failure_trace_ids: related.failure_traces.map((t) => t.trace_id),
    started_at: trace.started_at,
    file: scenario.file,
    triage: scenario.triage ?? {},
    tags: scenario.tags,
    summary: `${trace.subject_id} failed scenario ${trace.scenario_id} with ${event.kind}: ${event.message.replace(/^[a-z_]+: /, '')}`,
    details: [
      `Run ${trace.trace_id} of ${trace.subject_id} on ${trace.scenario_id} (expected ${trace.expected ?? 'pass'}, detected ${event.kind}).`,
      `Located at ${event.location.step_index === null ? 'the run itself' : `step ${event.location.step_index}`}${event.location.turn === null ? '' : ` in turn ${event.location.turn} of the conversation`} (agent ${event.location.agent ?? trace.subject_id}).`,
      event.taxonomy.trail ? `TRAIL: ${event.taxonomy.trail.path.join(' / ')}.` : null,
    ]
      .filter(Boolean)
      .join(' '),
    error_message: error ? `${error.class}: ${error.message}` : event.message,
    stack_trace: error?.stack ?? null,
    root_cause_summary:
      primary && chain
        ? `The failure began at ${chain.component ?? primary.ref} (${primary.failure_type}${primary.message ? `: ${primary.message}` : ''})${chain.cascade.length > 1 ? ` and propagated through ${chain.cascade.length - 1} level${chain.cascade.length > 2 ? 's' : ''} to the run's ${event.kind}` : ''}.`
        : null,
    contributing_factors: chain
      ? chain.cascade
          .slice(1)
          .map((e) => `propagated (hop ${e.propagation_hop}) to ${e.ref}${e.message ? `: ${e.message}` : ''}`)
      : [],
  };
}

/** The occurrence of a failure of the capture itself (a mismatch, a record lost, a lab error). */
export function captureOccurrence({
  capture,
  subject,
  scenario,
  expected,
  detected,
  message,
  labExitCode = null,
  errorClass = null,
  traceId = null,
  startedAt,
  file,
  triage = {},
  tags = [],
}: {
  capture: CaptureFailure;
  subject: string;
  scenario: string;
  expected: TraceRecord['expected'];
  detected: TraceRecord['detected'];
  message: string;
  labExitCode?: number | null;
  errorClass?: string | null;
  traceId?: string | null;
  startedAt: string;
  file: string | null;
  triage?: Triage;
  tags?: string[];
}): Occurrence {
  const signals = captureSignals({ capture, subject, scenario, expected, detected, message, labExitCode, errorClass });
  const what = {
    mismatch: `expected ${expected ?? 'pass'}, detected ${detected ?? 'pass'}`,
    not_stored: 'a record was not stored',
    not_retrieved: 'a record did not read back intact',
    lab_error: 'the lab could not run or classify it',
  }[capture];
  return {
    signals,
    fingerprint: fingerprint(signals),
    failure_id: null,
    trace_id: traceId,
    failure_trace_ids: [],
    started_at: startedAt,
    file,
    triage,
    tags,
    summary: `Capture failed on scenario ${scenario}: ${what}.`,
    details: message,
    error_message: message,
    stack_trace: null,
    root_cause_summary: null,
    contributing_factors: [],
  };
}

/**
 * The failure_id of a record: derived from the build and the fingerprint (a UUID), never from a
 * run, so that one build recorded again (a capture rerun with its --build-id, two captures at
 * once, a rerun after a crash during the commit, a merge run again) finds its records by id and
 * the ledger's create refuses a second one (docs/ledger-builds.md).
 */
export function recordId(occurrence: Pick<Occurrence, 'fingerprint'>, buildId: string): string {
  const hex = createHash('sha256').update(`${buildId}\u0000${occurrence.fingerprint}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
