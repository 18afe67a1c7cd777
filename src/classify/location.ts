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
 * In a conversation (docs/chaos-conversations.md) the failure is in one turn, and only that turn's
 * steps are searched: a reply that broke the schema, in the turn of the failed check; a cut-off,
 * in the turn that was going on; anything else, in the first turn that threw (the run's error is
 * that turn's). `turn` is the located step's turn, else that turn; null outside a conversation.
 */
export function locate(
  detection: Detection,
  steps: readonly TraceStep[],
  { runSpanId, subjectId, markLast }: { runSpanId: string; subjectId: string; markLast: boolean },
): FailureLocation {
  const fromOutput =
    detection.kind === 'hallucination_flag' ||
    (detection.kind === 'validation_error' && detection.source === 'output_schema');
  const failedCheck = steps.find((s) => s.type === 'check' && !s.passed);
  const turn = fromOutput ? (failedCheck?.turn ?? null) : failedTurn(detection, steps);
  const inTurn = turn === null ? steps : steps.filter((s) => s.turn === turn);
  const at = (step: TraceStep | undefined): FailureLocation =>
    step
      ? {
          step_index: step.index,
          span_id: step.span_id ?? runSpanId,
          agent: step.agent ?? subjectId,
          turn: step.turn ?? turn,
        }
      : { step_index: null, span_id: runSpanId, agent: subjectId, turn };
  const modelCalls = inTurn.filter((s) => s.type === 'model_call');
  if (fromOutput) return at(modelCalls.findLast((s) => s.status === 'ok') ?? failedCheck);
  if (detection.kind === 'validation_error' && detection.source === 'model_output_schema') return at(modelCalls.at(-1));
  if (detection.kind === 'exception' && detection.agent !== undefined) {
    const agent = detection.agent;
    const judged =
      detection.error.class === 'OutputGuardrailTripwireTriggered'
        ? modelCalls.findLast((s) => s.status === 'ok' && s.agent === agent)
        : undefined;
    return judged ? at(judged) : { step_index: null, span_id: runSpanId, agent, turn };
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
  const failed = inTurn.filter((s) => s.type !== 'check' && isFailedStep(s) && !recovered.has(s.index));
  // Resource abuse (a turn limit, a retry loop) may fail no single step: its last call is where it shows.
  if (markLast) return at(failed.at(-1) ?? inTurn.findLast((s) => s.type === 'model_call' || s.type === 'tool_call'));
  return at(failed[0]);
}

/**
 * The turn of a conversation a failure that did not come from the output belongs to: for a cut-off,
 * the turn going on at the deadline; otherwise the first turn that threw (whose error the run
 * threw); null when no turn failed (outside a conversation, or a run degraded through a recovery).
 */
function failedTurn(detection: Detection, steps: readonly TraceStep[]): number | null {
  const turns = steps.filter((s) => s.type === 'turn');
  const cut = turns.find((s) => s.status === 'aborted' || s.status === 'unfinished');
  const threw = turns.find((s) => s.status === 'error');
  const cutOff = detection.kind === 'timeout' && detection.source !== 'request_timeout';
  return (cutOff ? (cut ?? threw) : (threw ?? cut))?.turn ?? null;
}
