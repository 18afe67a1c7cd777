import type { Detection } from './detection.ts';
import type { RunEnd } from './run-end.ts';

/**
 * CPU time the run's own slice at its deadline must have taken to be an overrun. A run that never
 * blocks takes well under a millisecond a slice; a paused or unscheduled process takes none, so
 * it cannot reach this however late the deadline timer fires. Far above that, and far below what
 * a blocking loop of a few hundred ms gets even on a loaded machine (see docs/timeouts.md).
 */
export const HELD_CPU_MS = 20;

/**
 * The one classification of a run, with this precedence (the first that applies wins):
 * 1. timeout: cut off at its deadline or back after it: overrun when the run's own synchronous
 *    work was running at the deadline (measured, never inferred from lateness), otherwise
 *    deadline, which keeps no error, so the label is the same however late the lab took it;
 *    or a request of the run timed out;
 * 2. exception: it threw anything else, its worker died, or it left a rejection unhandled;
 * 3. validation_error: it threw a ZodError, or its output broke the subject's output schema;
 * 4. hallucination_flag: a grounding check flagged its output;
 * then a run that returned a valid answer through a degraded recovery keeps the kind of the
 * failure that started it; otherwise it passes (null).
 */
export function classifyRun(end: RunEnd): Detection | null {
  // Nothing inline can interrupt synchronous work: a run that came back late is still a timeout.
  if (end.cutOff || end.elapsedMs > end.deadlineMs) {
    if (end.held && end.held.cpuMs >= HELD_CPU_MS)
      return { kind: 'timeout', source: 'overrun', error: end.cutOff ? null : (end.thrown?.error ?? end.died ?? null) };
    return { kind: 'timeout', source: 'deadline', error: null };
  }
  if (end.thrown) return end.thrown;
  if (end.died) return { kind: 'exception', error: end.died };
  if (end.unhandled) return { kind: 'exception', error: end.unhandled };
  if (end.checks) {
    if (!end.checks.schema.passed)
      return { kind: 'validation_error', source: 'output_schema', issues: end.checks.schema.issues, error: null };
    if (end.checks.flags.length > 0) return { kind: 'hallucination_flag', flags: end.checks.flags };
  }
  if (end.degraded) return { ...end.degraded.verdict, note: end.degraded.note };
  return null;
}
