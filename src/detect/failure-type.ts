import type { FailureEvent } from '../contracts/failure-event.ts';
import type { FailureType } from '../contracts/failure-trace.ts';

/**
 * The failure-trace type (seed 000) of a detected failure: a timeout is a timeout; output that
 * breaks its schema or its grounding is a violation (of a contract); running out of memory is
 * resource exhaustion; any other exception is an error.
 */
export function failureTypeOf(event: FailureEvent): FailureType {
  switch (event.kind) {
    case 'timeout':
      return 'timeout';
    case 'validation_error':
    case 'hallucination_flag':
      return 'violation';
    case 'exception':
      return event.error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'resource' : 'error';
  }
}
