import type { Detection } from './detection.ts';
import type { RunEnd } from './run-end.ts';

/**
 * A cut that came this much after the deadline came late because synchronous work held the
 * thread: inline, nothing can interrupt it. Timer lateness is about 2 ms at p99 with 16 runs in
 * flight (BENCHMARKS.md), so 100 ms is far outside what load alone causes. Another inline run's
 * synchronous work delays the cut too: subjects that block belong in a worker.
 */
export const HELD_THREAD_MS = 100;

/**
 * The one classification of a run, with this precedence (the first that applies wins):
 * 1. timeout: cut off at the deadline (overrun when synchronous work held the thread past it),
 *    or back after the deadline (overrun), or a request of the run timed out;
 * 2. exception: it threw anything else, its worker died, or it left a rejection unhandled;
 * 3. validation_error: it threw a ZodError, or its output broke the subject's output schema;
 * 4. hallucination_flag: a grounding check flagged its output;
 * then a run that returned a valid answer through a degraded recovery keeps the kind of the
 * failure that started it; otherwise it passes (null).
 */
export function classifyRun(end: RunEnd): Detection | null {
  if (end.cutOff)
    return { kind: 'timeout', source: end.cutOff.heldMs >= HELD_THREAD_MS ? 'overrun' : 'deadline', error: null };
  // p-timeout cannot interrupt synchronous work: a run that came back late is still a timeout.
  if (end.elapsedMs > end.deadlineMs)
    return { kind: 'timeout', source: 'overrun', error: end.thrown?.error ?? end.died ?? null };
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
