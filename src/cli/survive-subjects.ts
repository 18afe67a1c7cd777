import type { Redact } from '../internal/redact.ts';
import { errorText } from '../internal/to-error.ts';

/**
 * Keeps the lab alive while inline subjects run: a rejection nobody handles, or an exception
 * thrown from a timer, would otherwise end the process. Inline, such an event cannot be tied to
 * the run that caused it (several run at once), so it is reported as a warning; worker isolation
 * attributes it to its run as an exception. Returns the function that removes the handlers.
 */
export function surviveSubjects(warn: (text: string) => void, redact: Redact): () => number {
  let count = 0;
  const report = (what: string) => (reason: unknown) => {
    count++;
    const text = reason instanceof Error ? `${reason.name}: ${errorText(reason)}` : errorText(reason);
    warn(
      `warning: ${what} from an inline subject: ${redact(text)}. Inline runs cannot attribute it to a run; give the scenario "isolation": "worker" to have it classified.`,
    );
  };
  const onRejection = report('unhandled rejection');
  const onException = report('uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    return count;
  };
}
