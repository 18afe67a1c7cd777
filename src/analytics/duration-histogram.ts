import { HISTOGRAM_BUCKET_RATIO, type DurationStats } from '../contracts/failure-analytics.ts';
import { HOUR_MS } from './utc-calendar.ts';

const LOG_RATIO = Math.log(HISTOGRAM_BUCKET_RATIO);
/** sqrt(ratio) - 1, rounded up (0.0199): a bucket's geometric middle is within this of anything in the bucket. */
export const HISTOGRAM_MAX_RELATIVE_ERROR = Math.ceil((Math.sqrt(HISTOGRAM_BUCKET_RATIO) - 1) * 10_000) / 10_000;
/** The bucket of durations under one millisecond (zero, or negative from clock skew). */
const ZERO_BUCKET = -1;

/** Hours, rounded to 0.001 h (3.6 s), as every analytics file writes them. */
export function roundHours(ms: number): number {
  return Math.round((ms / HOUR_MS) * 1000) / 1000;
}

/**
 * Durations in whole milliseconds, kept in constant memory: the count, the exact sum (a BigInt,
 * so the mean does not depend on the order durations arrive in) and the maximum, and a log-scale
 * histogram for percentiles. Bucket i holds [r^i, r^(i+1)) ms with r = 1.04, so a percentile read
 * as its bucket's geometric middle is within 2% of the exact one; one millisecond to a century
 * takes under 1,000 buckets.
 */
export class DurationHistogram {
  #count = 0;
  #sum = 0n;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  readonly #buckets = new Map<number, number>();

  /** Adds one duration in ms (negative durations count as zero). */
  add(ms: number): void {
    const value = Math.max(0, Math.round(ms));
    this.#count++;
    this.#sum += BigInt(value);
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
    const bucket = value < 1 ? ZERO_BUCKET : Math.floor(Math.log(value) / LOG_RATIO);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
  }

  get count(): number {
    return this.#count;
  }

  /** The exact mean in ms, or null when empty. */
  meanMs(): number | null {
    return this.#count === 0 ? null : Number(this.#sum) / this.#count;
  }

  /** The nearest-rank percentile (0 < p <= 1) in ms, within 2%, or null when empty. */
  percentileMs(p: number): number | null {
    if (this.#count === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.#count));
    let seen = 0;
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(bucket)!;
      if (seen < rank) continue;
      const middle = bucket === ZERO_BUCKET ? 0 : HISTOGRAM_BUCKET_RATIO ** (bucket + 0.5);
      // The exact extremes bound every percentile: a lone value, or all equal values, come out exact.
      return Math.min(this.#max, Math.max(this.#min, middle));
    }
    return this.#max;
  }

  /** The statistics as the analytics files write them. */
  stats(): DurationStats {
    const hours = (ms: number | null) => (ms === null ? null : roundHours(ms));
    return {
      count: this.#count,
      mean_hours: hours(this.meanMs()),
      median_hours: hours(this.percentileMs(0.5)),
      p90_hours: hours(this.percentileMs(0.9)),
      max_hours: this.#count === 0 ? null : roundHours(this.#max),
    };
  }
}
