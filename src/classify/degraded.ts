import type { TraceStep } from '../contracts/trace-step.ts';
import { firstUnrecovered } from '../derive/episodes.ts';
import type { Redact } from '../internal/redact.ts';
import { classifyThrown } from './classify-thrown.ts';
import type { DegradedVerdict } from './run-end.ts';
import { isTimeoutErrorInfo } from './timeouts.ts';

/**
 * The failure a run keeps when it returned a valid answer through a recovery it did not fully
 * recover from (a fallback of lower confidence, an escalation, a failure it swallowed): that of
 * the failure that started the recovery, as if that error had been thrown out of the run.
 * `liveError` gives the error an episode's operation threw, where the recovery helpers saw it.
 */
export function degradedVerdict(
  steps: readonly TraceStep[],
  liveError: (episode: number) => unknown,
  redact: Redact,
): DegradedVerdict | null {
  const episode = firstUnrecovered(steps);
  if (!episode) return null;
  const how = episode.unresolved
    ? 'its recovery failed and the subject went on'
    : `it went on degraded (${episode.actions.map((a) => (a.fallback ? `fallback ${a.fallback.type}` : a.action)).join(', ')})`;
  const note = `the run returned an answer, but ${how}`;
  const live = liveError(episode.episode);
  if (live !== null && live !== undefined) return { verdict: classifyThrown(live, redact), note };
  const step = episode.trigger.step_index === null ? undefined : steps[episode.trigger.step_index];
  const error = step?.error ?? {
    class: 'Error',
    name: 'Error',
    message: episode.trigger.message ?? 'failure without an error',
    stack: null,
    thrown: 'error' as const,
    code: null,
    status: null,
    cause: null,
  };
  if (isTimeoutErrorInfo(error)) return { verdict: { kind: 'timeout', source: 'request_timeout', error }, note };
  return { verdict: { kind: 'exception', error }, note };
}
