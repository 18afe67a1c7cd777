import type { FailureEvent } from '../contracts/failure-event.ts';

/** What in the trace shows the failure, quoted from the record: a label's `evidence`, never part of a blind trace. */
export function evidenceOf(failure: FailureEvent): string {
  switch (failure.kind) {
    case 'exception':
      return `${failure.error.class}: ${failure.error.message}`;
    case 'timeout':
      return `no answer within the ${failure.timeout.deadline_ms} ms deadline (${failure.timeout.source}, ${Math.round(failure.timeout.elapsed_ms)} ms elapsed)${failure.error ? `; ${failure.error.class}: ${failure.error.message}` : ''}`;
    case 'validation_error':
      return failure.validation.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    case 'hallucination_flag':
      return failure.grounding.flags.map((f) => `"${f.claim}" at ${f.path}: ${f.reason}`).join('; ');
  }
}
