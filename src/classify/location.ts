import type { FailureLocation } from '../contracts/failure-event.ts';
import { isFailedStep, type TraceStep } from '../contracts/trace-step.ts';
import { episodesOf } from '../derive/episodes.ts';
import type { Detection } from './detection.ts';

/**
 * Where a failure first shows (TRAIL's location, Who&When's "when" and "who"):
 * - a hallucination, or output that breaks its schema: the model call whose reply became the
 *   output (the last successful one), else the check that caught it;
 * - a model reply that broke its structured-output schema: the last model call;
 * - anything else: the first failed step the run did not recover from (a step inside an episode
 *   that ended recovered does not count), or its last one when `markLast` (resource abuse, where
 *   a run that failed no single step is located at its last call);
 * - no such step (the subject's own code threw, a loop that never yielded): null, and the span is
 *   the run's. The agent is the one running at that step, else the subject;
 * - an error its framework tied to an agent (a guardrail that tripped) is at that agent: an output
 *   guardrail at the agent's last model call (the reply it judged), an input guardrail at no step
 *   (it judged the user's input).
 */
export function locate(
  detection: Detection,
  steps: readonly TraceStep[],
  { runSpanId, subjectId, markLast }: { runSpanId: string; subjectId: string; markLast: boolean },
): FailureLocation {
  const at = (step: TraceStep | undefined): FailureLocation =>
    step
      ? { step_index: step.index, span_id: step.span_id ?? runSpanId, agent: step.agent ?? subjectId }
      : { step_index: null, span_id: runSpanId, agent: subjectId };
  const modelCalls = steps.filter((s) => s.type === 'model_call');
  const fromOutput =
    detection.kind === 'hallucination_flag' ||
    (detection.kind === 'validation_error' && detection.source === 'output_schema');
  if (fromOutput)
    return at(modelCalls.findLast((s) => s.status === 'ok') ?? steps.find((s) => s.type === 'check' && !s.passed));
  if (detection.kind === 'validation_error' && detection.source === 'model_output_schema') return at(modelCalls.at(-1));
  if (detection.kind === 'exception' && detection.agent !== undefined) {
    const agent = detection.agent;
    const judged =
      detection.error.class === 'OutputGuardrailTripwireTriggered'
        ? modelCalls.findLast((s) => s.status === 'ok' && s.agent === agent)
        : undefined;
    return judged ? at(judged) : { step_index: null, span_id: runSpanId, agent };
  }
  const recovered = new Set<number>();
  const thrown = 'error' in detection ? detection.error : null;
  for (const episode of episodesOf(steps)) {
    if (episode.degraded || episode.unresolved) continue;
    // Every action succeeded, but the run threw the very error the episode answered (a compensation, then a rethrow): not recovered.
    const message = episode.trigger.message;
    if (thrown && message !== null && (thrown.message === message || thrown.cause?.message === message)) continue;
    if (episode.trigger.step_index !== null) recovered.add(episode.trigger.step_index);
    for (const action of episode.actions) for (const inner of action.inner_steps) recovered.add(inner);
  }
  const failed = steps.filter((s) => s.type !== 'check' && isFailedStep(s) && !recovered.has(s.index));
  // Resource abuse (a turn limit, a retry loop) may fail no single step: its last call is where it shows.
  if (markLast) return at(failed.at(-1) ?? steps.findLast((s) => s.type === 'model_call' || s.type === 'tool_call'));
  return at(failed[0]);
}
