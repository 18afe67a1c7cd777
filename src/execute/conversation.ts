import type { Scenario } from '../contracts/scenario.ts';
import { LabError } from '../errors/lab-error.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { Redact } from '../internal/redact.ts';
import type { ConversationEntry, Subject, SubjectContext } from '../subject/subject.ts';
import type { StepRecorder } from './step-recorder.ts';

/** One turn's reply, kept for the checks after the run (run-checks.ts). */
export interface TurnReply {
  turn: number;
  reply: unknown;
}

/**
 * Runs the subject on its scenario, the one way both executors (inline and worker) do it: `run`
 * for a single-shot scenario; for a scenario with `turns`, a conversation (docs/chaos-conversations.md):
 * - respond is called once per turn, in order, each call a turn step whose model calls, tool
 *   calls and checks carry the turn; the turn's script and fixtures answer them;
 * - a turn that throws is recorded (its turn step errors) and the conversation goes on with the
 *   next turn, whose history says the turn failed, so a recovery shows in the record;
 * - at the end, the first error a turn threw is the run's (the user saw it, whatever came after);
 *   otherwise the run returns the last turn's reply, and every reply goes to `replies` to be checked;
 * - a cut-off ends the conversation (the run is a timeout, at the turn that was going on); a fault
 *   of the lab or the scenario (a LabError) ends it at once and is thrown;
 * - endConversation is called however it ended.
 */
export async function runSubject<I>(
  subject: Subject<I, any>,
  scenario: Scenario,
  ctx: SubjectContext<I>,
  recorder: StepRecorder,
  replies: TurnReply[],
  redact: Redact,
): Promise<unknown> {
  checkConverses(subject, scenario);
  if (!scenario.turns) return subject.run!(ctx);
  const respond = subject.respond!.bind(subject);
  const history: ConversationEntry[] = [];
  let first: { error: unknown } | null = null;
  let last: unknown;
  try {
    for (const [i, turn] of scenario.turns.entries()) {
      if (ctx.signal.aborted) break;
      try {
        last = await recorder.inTurn(i + 1, turn.user, () => respond(turn.user, [...history], ctx));
        replies.push({ turn: i + 1, reply: last });
        history.push({ user: turn.user, reply: last, error: null });
      } catch (error) {
        if (LabError.isInstance(error)) throw error;
        first ??= { error };
        history.push({ user: turn.user, reply: null, error: errorInfo(error, redact).message });
      }
    }
  } finally {
    await subject.endConversation?.(ctx);
  }
  if (first) throw first.error;
  return last;
}

/** Why the subject cannot run the scenario (a conversation for a subject without respond, or the reverse), or null. */
export function conversationMismatch(subject: Subject<any, any>, scenario: Scenario): string | null {
  if (scenario.turns && !subject.respond)
    return `the scenario has turns, but ${subject.id} does not converse (it has no respond): remove turns or choose a subject that converses`;
  if (!scenario.turns && !subject.run)
    return `${subject.id} converses (it has respond but no run): give the scenario turns`;
  return null;
}

/** Throws, as a fault of the scenario (exit 2), when the subject cannot run it (see conversationMismatch). */
export function checkConverses(subject: Subject<any, any>, scenario: Scenario): void {
  const problem = conversationMismatch(subject, scenario);
  if (problem) throw new LabError({ message: `scenario ${scenario.id}: ${problem}`, exitCode: 2 });
}
