import type { FallbackPath } from '../contracts/trace-step.ts';

/** Metadata a subject attaches to an action: plain, deterministic values (no timings). */
export type ActionMetadata = Record<string, string | number | boolean | null>;

/** How often, and after what waits, retry runs an operation again. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Wait before the second attempt (default 100 ms); each later wait is `factor` times longer. */
  backoffMs?: number;
  /** Default 2. */
  factor?: number;
  /** No wait is longer than this (default 2000 ms). */
  maxBackoffMs?: number;
  /** Explicit waits before attempts 2, 3, ... (overrides backoffMs and factor; the last repeats). */
  delaysMs?: readonly number[];
  /** Which errors are worth another attempt (default: all). */
  retryIf?: (error: unknown, attempt: number) => boolean;
}

/** The alternative path a fallback takes (a fallback record's path fields; see "Cascades and recovery" in the README). */
export interface FallbackOptions {
  /** primary_path_ref: what was attempted first (a tool, a model, a component). */
  primary: string;
  type: FallbackPath['type'];
  /** fallback_path_id; default "<type>:<primary>". */
  id?: string;
  /** fallback_path_name, e.g. "cache", "default_approve". */
  name?: string | null;
  /** How the fallback's answer compares with the primary's (default: reduced for cache and default, none for alternate_service, unknown for human_review, null for reject; see DEFAULT_CONFIDENCE). */
  confidenceImpact?: FallbackPath['confidence_impact'];
  /** Whether the fallback answers the request fully (default success); partial marks a partial answer. */
  outcome?: 'success' | 'partial';
}

/** A circuit breaker: after `failureThreshold` failures in a row it opens and fails fast; after `resetAfterMs` it lets one probe through (a self_heal action). */
export interface CircuitBreaker {
  readonly state: 'closed' | 'open' | 'half_open';
  call<T>(op: () => Promise<T> | T): Promise<T>;
}

/**
 * Recovery helpers. Each does exactly what its name says whether or not the lab records it: the
 * lab only watches (recording is additive: it never changes what recovery does). Every action becomes a
 * recovery step in the trace; actions answering the same failure form one recovery trace.
 */
export interface Recovery {
  /** Runs op; on an error, runs it again after a backoff, up to policy.attempts in all; rethrows the last error. */
  retry<T>(target: string, op: (attempt: number) => Promise<T> | T, policy?: RetryPolicy): Promise<T>;
  /** Runs primary; if it throws, runs alternative with the error and returns its answer (or throws its error). */
  fallback<T>(
    options: FallbackOptions,
    primary: () => Promise<T> | T,
    alternative: (error: unknown) => Promise<T> | T,
  ): Promise<T>;
  /** Runs a compensating action (a rollback of a partial write). */
  compensate<T>(target: string, undo: () => Promise<T> | T, metadata?: ActionMetadata): Promise<T>;
  /** Runs an automatic repair (a cache flush, a reconnect, a circuit breaker reset). */
  selfHeal<T>(target: string, heal: () => Promise<T> | T, metadata?: ActionMetadata): Promise<T>;
  /** Hands the problem to a person or an outside system; the subject decides what to return meanwhile. */
  escalate(target: string, reason: string, metadata?: ActionMetadata): void;
  /** A circuit breaker around one dependency; its reset is recorded as a self_heal action. */
  breaker(target: string, options: { failureThreshold: number; resetAfterMs: number }): CircuitBreaker;
}

/** What a circuit breaker throws while it is open (the operation is not called). */
export class CircuitOpenError extends Error {
  readonly target: string;

  constructor(target: string) {
    super(`circuit breaker for ${target} is open: failing fast without calling it`);
    this.name = 'CircuitOpenError';
    this.target = target;
  }
}
