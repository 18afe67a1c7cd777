import { type CircuitBreaker, CircuitOpenError, type Recovery } from '../subject/recovery.ts';

/**
 * A circuit breaker: closed, it counts failures in a row and opens at the threshold; open, it
 * fails fast with CircuitOpenError; once resetAfterMs has passed, the next call is a probe run
 * as a self_heal action (the reset). A probe that succeeds closes it; one that fails opens it again.
 */
export class Breaker implements CircuitBreaker {
  readonly #target: string;
  readonly #threshold: number;
  readonly #resetAfterMs: number;
  readonly #recovery: Recovery;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;

  /** `now` is the clock resets are timed on (ms; the run's monotonic clock by default), so tests can drive it. */
  constructor(
    target: string,
    { failureThreshold, resetAfterMs }: { failureThreshold: number; resetAfterMs: number },
    recovery: Recovery,
    now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1)
      throw new RangeError(`breaker(${target}): failureThreshold must be a whole number of at least 1`);
    if (!(resetAfterMs >= 0)) throw new RangeError(`breaker(${target}): resetAfterMs must be 0 or more`);
    this.#target = target;
    this.#threshold = failureThreshold;
    this.#resetAfterMs = resetAfterMs;
    this.#recovery = recovery;
    this.#now = now;
  }

  get state(): CircuitBreaker['state'] {
    if (this.#probing) return 'half_open';
    return this.#openedAt === null ? 'closed' : 'open';
  }

  async call<T>(op: () => Promise<T> | T): Promise<T> {
    if (this.#openedAt === null) {
      try {
        const value = await op();
        this.#failures = 0;
        return value;
      } catch (error) {
        if (++this.#failures >= this.#threshold) this.#openedAt = this.#now();
        throw error;
      }
    }
    if (this.#probing || this.#now() - this.#openedAt < this.#resetAfterMs) throw new CircuitOpenError(this.#target);
    this.#probing = true;
    try {
      const value = await this.#recovery.selfHeal(`circuit:${this.#target}`, op, {
        transition: 'half_open',
        failures: this.#failures,
      });
      this.#openedAt = null;
      this.#failures = 0;
      return value;
    } catch (error) {
      this.#openedAt = this.#now();
      throw error;
    } finally {
      this.#probing = false;
    }
  }
}
