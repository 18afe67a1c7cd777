import type { FailureEvent } from '../contracts/failure-event.ts';
import type { FailureType } from '../contracts/failure-trace.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { zodIssues } from './classify-thrown.ts';
import { isTimeoutError, isTimeoutErrorInfo } from './timeouts.ts';

/** HTTP statuses that mean the model endpoint is out of capacity: throttled (429) or unavailable (503). */
const RESOURCE_STATUSES = new Set([429, 503]);

/**
 * The failure type of a detected failure (see "Cascades and recovery" in the README): a timeout
 * is a timeout; output that breaks its schema or its grounding is a violation (of a contract);
 * running out of memory is resource exhaustion; any other exception is an error.
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

/**
 * The failure type of a failed step: cut off at the deadline, or timed out by its own timer, is a
 * timeout; HTTP 429 or 503 from the model and running out of memory are resource; a failed check
 * is a violation; anything else is an error.
 */
export function stepFailureType(step: TraceStep): FailureType {
  if (step.type === 'check') return 'violation';
  if (step.status === 'aborted') return 'timeout';
  if (isTimeoutErrorInfo(step.error)) return 'timeout';
  if (step.type === 'model_call' && step.http_status !== null && RESOURCE_STATUSES.has(step.http_status))
    return 'resource';
  if (step.error?.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'resource';
  return 'error';
}

/** The failure type of an error a subject's operation threw without a failed step (its own checks, say). */
export function errorFailureType(error: unknown): FailureType {
  if (zodIssues(error)) return 'violation';
  if (isTimeoutError(error)) return 'timeout';
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && RESOURCE_STATUSES.has(status)) return 'resource';
  return 'error';
}
