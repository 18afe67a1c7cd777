import type { FallbackPath } from '../contracts/trace-step.ts';
import { sleep } from '../internal/abortable.ts';
import {
  type ActionMetadata,
  type CircuitBreaker,
  type FallbackOptions,
  type Recovery,
  type RetryPolicy,
} from '../subject/recovery.ts';
import { Breaker } from './circuit-breaker.ts';
import { isFailedStep } from '../contracts/trace-step.ts';
import { type ActionHandle, type RecoveryLog } from './recovery-log.ts';

/** The failure a group of actions answers: a failed step, or an error that showed without one. */
interface Episode {
  id: number;
  triggerStep: number | null;
  triggerError: unknown;
}

/**
 * The confidence_impact a fallback records when the subject does not say (README, "Cascades and
 * recovery"): a cache or a default answer is less sure than the primary's; an alternate service is
 * taken to be its peer; what a person decides is not known when the run ends; a rejection gives no
 * answer at all (null). Anything but none leaves the run degraded.
 */
export const DEFAULT_CONFIDENCE: Readonly<Record<FallbackPath['type'], FallbackPath['confidence_impact']>> = {
  cache: 'reduced',
  default: 'reduced',
  alternate_service: 'none',
  human_review: 'unknown',
  reject: null,
};

/**
 * The recovery helpers a subject gets as ctx.recovery. What they do never depends on whether a log
 * is attached: with log null they run the same operations, waits and throws and record nothing
 * (that is tested). With a log, each action is a recovery step, grouped into episodes by the
 * failure it answers: the first failed step the failing operation produced, or for an action
 * that wraps no operation (compensate, selfHeal, escalate) the latest failure seen.
 */
export class RecoveryKit implements Recovery {
  readonly #log: RecoveryLog | null;
  readonly #signal: AbortSignal;
  readonly #episodes: Episode[] = [];
  /** Which episode a step belongs to: its trigger and the steps its actions ran. */
  readonly #stepEpisode = new Map<number, Episode>();
  readonly #errorEpisode = new WeakMap<object, Episode>();
  /** The episode last acted on, and how many steps there were then. */
  #current: { episode: Episode; stepCount: number } | null = null;

  constructor({ log, signal }: { log: RecoveryLog | null; signal: AbortSignal }) {
    this.#log = log;
    this.#signal = signal;
  }

  async retry<T>(target: string, op: (attempt: number) => Promise<T> | T, policy: RetryPolicy = {}): Promise<T> {
    const attempts = policy.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1)
      throw new RangeError(`retry(${target}): attempts must be a whole number of at least 1, not ${attempts}`);
    const windowStart = this.#stepCount();
    let episode: Episode | null = null;
    for (let attempt = 1; ; attempt++) {
      let handle: ActionHandle | null = null;
      try {
        if (attempt > 1) {
          const waitMs = backoff(attempt, policy);
          handle = this.#begin('retry', target, episode, null, { attempt, attempts, backoff_ms: waitMs });
          await sleep(waitMs, this.#signal);
        }
        const value = await op(attempt);
        handle?.end('success');
        return value;
      } catch (error) {
        handle?.end('failure', error);
        if (attempt === 1) episode = this.#episodeOfError(windowStart, error);
        if (attempt >= attempts || (policy.retryIf && !policy.retryIf(error, attempt))) throw error;
      }
    }
  }

  async fallback<T>(
    options: FallbackOptions,
    primary: () => Promise<T> | T,
    alternative: (error: unknown) => Promise<T> | T,
  ): Promise<T> {
    const windowStart = this.#stepCount();
    try {
      return await primary();
    } catch (error) {
      const path: FallbackPath = {
        type: options.type,
        id: options.id ?? `${options.type}:${options.primary}`,
        name: options.name ?? null,
        confidence_impact:
          options.confidenceImpact === undefined ? DEFAULT_CONFIDENCE[options.type] : options.confidenceImpact,
      };
      const handle = this.#begin('fallback', options.primary, this.#episodeOfError(windowStart, error), path, {});
      return this.#recorded(handle, () => alternative(error), options.outcome ?? 'success');
    }
  }

  compensate<T>(target: string, undo: () => Promise<T> | T, metadata: ActionMetadata = {}): Promise<T> {
    return this.#around('compensation', target, undo, metadata);
  }

  selfHeal<T>(target: string, heal: () => Promise<T> | T, metadata: ActionMetadata = {}): Promise<T> {
    return this.#around('self_heal', target, heal, metadata);
  }

  escalate(target: string, reason: string, metadata: ActionMetadata = {}): void {
    this.#begin('escalate', target, this.#latestEpisode(), null, { reason, ...metadata })?.end('success');
  }

  breaker(target: string, options: { failureThreshold: number; resetAfterMs: number }): CircuitBreaker {
    return new Breaker(target, options, this);
  }

  #around<T>(
    action: 'compensation' | 'self_heal',
    target: string,
    fn: () => Promise<T> | T,
    metadata: ActionMetadata,
  ): Promise<T> {
    return this.#recorded(this.#begin(action, target, this.#latestEpisode(), null, metadata), fn, 'success');
  }

  /** Runs fn as a recorded action: ends it with `outcome` on success, with failure and the error otherwise. */
  async #recorded<T>(
    handle: ActionHandle | null,
    fn: () => Promise<T> | T,
    outcome: 'success' | 'partial',
  ): Promise<T> {
    try {
      const value = await fn();
      handle?.end(outcome);
      return value;
    } catch (error) {
      handle?.end('failure', error);
      throw error;
    }
  }

  /** The live error that started an episode, when an operation threw it (for classifying a degraded run). */
  triggerErrorOf(episode: number): unknown {
    return this.#episodes[episode]?.triggerError ?? null;
  }

  #stepCount(): number {
    return this.#log?.steps.length ?? 0;
  }

  /** Records an action; the steps it runs join its episode. Null (nothing recorded) without a log. */
  #begin(
    action: 'retry' | 'fallback' | 'compensation' | 'self_heal' | 'escalate',
    target: string,
    episode: Episode | null,
    fallback: FallbackPath | null,
    metadata: ActionMetadata,
  ): ActionHandle | null {
    const log = this.#log;
    if (!log) return null;
    const ep = episode ?? this.#newEpisode(null, null);
    const first = log.steps.length;
    const handle = log.beginAction({
      action,
      target,
      episode: ep.id,
      fallback,
      metadata,
      triggerStep: ep.triggerStep,
      triggerError: ep.triggerError,
    });
    if (!handle) return null;
    // An action taken inside this one (an escalation inside a fallback) answers the same failure.
    this.#current = { episode: ep, stepCount: log.steps.length };
    return {
      end: (outcome, error) => {
        handle.end(outcome, error);
        for (let i = first; i < log.steps.length; i++) if (!this.#stepEpisode.has(i)) this.#stepEpisode.set(i, ep);
        this.#current = { episode: ep, stepCount: log.steps.length };
      },
    };
  }

  /** The episode of an error a wrapped operation threw: its first failed step, or the error itself. */
  #episodeOfError(windowStart: number, error: unknown): Episode | null {
    const log = this.#log;
    if (!log) return null;
    const failed = log.steps.slice(windowStart).find(isFailedStep);
    if (failed) return this.#episodeOfStep(failed.index, error);
    if (typeof error === 'object' && error !== null) {
      const known = this.#errorEpisode.get(error);
      if (known) return known;
    }
    return this.#newEpisode(null, error);
  }

  /** For an action that wraps no operation: the latest failure, or the episode last acted on if nothing failed since. */
  #latestEpisode(): Episode | null {
    const log = this.#log;
    if (!log) return null;
    const latest = log.steps.findLast(isFailedStep);
    if (latest && (!this.#current || latest.index >= this.#current.stepCount))
      return this.#episodeOfStep(latest.index, null);
    return this.#current?.episode ?? null;
  }

  #episodeOfStep(index: number, error: unknown): Episode {
    const known = this.#stepEpisode.get(index);
    if (known) return known;
    const episode = this.#newEpisode(index, error);
    this.#stepEpisode.set(index, episode);
    return episode;
  }

  #newEpisode(triggerStep: number | null, triggerError: unknown): Episode {
    const episode: Episode = { id: this.#episodes.length, triggerStep, triggerError };
    this.#episodes.push(episode);
    if (typeof triggerError === 'object' && triggerError !== null) this.#errorEpisode.set(triggerError, episode);
    return episode;
  }
}

/** The wait before an attempt (2, 3, ...) under a policy. */
export function backoff(attempt: number, policy: RetryPolicy): number {
  if (policy.delaysMs && policy.delaysMs.length > 0)
    return policy.delaysMs[Math.min(attempt - 2, policy.delaysMs.length - 1)]!;
  const base = policy.backoffMs ?? 100;
  return Math.min(policy.maxBackoffMs ?? 2000, base * (policy.factor ?? 2) ** (attempt - 2));
}
