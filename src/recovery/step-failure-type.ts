import type { FailureType } from '../contracts/failure-trace.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { zodIssues } from '../detect/classify-error.ts';

/**
 * The failure type (seed 000) of a failed step: cut off at the deadline or timed out by its own
 * timer is a timeout; HTTP 429 or 503 from the model (throttled, unavailable) and running out of
 * memory are resource; a failed check is a violation; anything else is an error.
 */
export function stepFailureType(step: TraceStep): FailureType {
  if (step.type === 'check') return 'violation';
  if (step.status === 'aborted') return 'timeout';
  const error = step.error;
  if (error && (error.class === 'APIConnectionTimeoutError' || error.name === 'TimeoutError' || error.code === 'ETIMEDOUT')) return 'timeout';
  if (step.type === 'model_call' && (step.http_status === 429 || step.http_status === 503)) return 'resource';
  if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'resource';
  return 'error';
}

/** The failure type of an error a subject's operation threw without a failed step (its own checks, say). */
export function errorFailureType(error: unknown): FailureType {
  if (zodIssues(error)) return 'violation';
  const e = error as { name?: unknown; status?: unknown; constructor?: { name?: unknown } } | null;
  if (e?.name === 'TimeoutError' || e?.constructor?.name === 'APIConnectionTimeoutError') return 'timeout';
  if (e?.status === 429 || e?.status === 503) return 'resource';
  return 'error';
}
