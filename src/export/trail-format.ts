import type { TraceRecord } from '../contracts/trace-record.ts';
import { blindTraceOf } from '../dataset/blind-trace-of.ts';
import { type TrailRow, trailAnnotationOf, trailRowOf, trailTraceOf } from '../dataset/trail-layout.ts';

export type { TrailRow } from '../dataset/trail-layout.ts';

/** Why a run has no TRAIL row. */
export type TrailSkip = 'mismatched' | 'live' | 'no_error' | 'unmapped';

/**
 * A run as a row of TRAIL's dataset (`export --format trail`): the blind trace in TRAIL's span
 * shape and its annotation, both as JSON strings, exactly as `lab dataset --format trail` writes
 * them (see docs/analyzers.md). No row for a run whose label is not ground truth (detected
 * otherwise than expected, or live), a pass (TRAIL's scorer counts an error-free trace as 0), or
 * a failure no TRAIL category covers.
 */
export function toTrailRow(record: TraceRecord, seed: string): TrailRow | TrailSkip {
  if (record.run.mode === 'live') return 'live';
  if (record.expected !== record.detected) return 'mismatched';
  if (record.failure === null) return 'no_error';
  const { trace, label } = blindTraceOf(record, seed);
  const annotation = trailAnnotationOf(label);
  if (!annotation) return 'unmapped';
  return trailRowOf(trailTraceOf(trace), annotation);
}
