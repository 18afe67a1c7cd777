import pRetry from 'p-retry';
import { sleep } from './abortable.ts';

/** How the lab retries one of its own operations (never a subject's: ctx.recovery does that). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; each later wait doubles, up to maxMs. */
  baseMs: number;
  maxMs: number;
  /** Give up once this long has passed since the first attempt. */
  maxTimeMs?: number;
  /** Which failures are worth another attempt. */
  retryable: (error: unknown) => boolean;
  /** A wait the failure itself asks for (a server's retry-after), honoured when longer than the backoff. */
  waitOf?: (error: unknown) => number | undefined;
}

const NEVER = new AbortController().signal;

/** The one retry helper of the lab's own I/O (store writes, reads and index operations), on p-retry. */
export function retrying<T>(operation: () => Promise<T> | T, policy: RetryPolicy): Promise<T> {
  return pRetry(async () => operation(), {
    retries: policy.attempts - 1,
    minTimeout: policy.baseMs,
    maxTimeout: policy.maxMs,
    factor: 2,
    maxRetryTime: policy.maxTimeMs ?? Number.POSITIVE_INFINITY,
    shouldRetry: ({ error }) => policy.retryable(error),
    onFailedAttempt: async ({ error, retryDelay }) => {
      const asked = policy.waitOf?.(error);
      if (asked !== undefined && asked > retryDelay && policy.retryable(error)) await sleep(asked - retryDelay, NEVER);
    },
  });
}
