import { describe, expect, it } from 'vitest';
import { DurationHistogram, HISTOGRAM_MAX_RELATIVE_ERROR } from '../../src/analytics/duration-histogram.ts';
import { seededRandom, shuffled } from './shuffle.ts';

const HOUR = 3_600_000;

/** The exact nearest-rank percentile. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

describe('DurationHistogram', () => {
  const random = seededRandom(7);
  const sets: Record<string, number[]> = {
    'minutes to weeks, log-uniform': Array.from({ length: 5_000 }, () =>
      Math.round(60_000 * Math.exp(random() * Math.log(10_000))),
    ),
    'hours, uniform': Array.from({ length: 3_001 }, () => Math.round(random() * 48 * HOUR)),
    'few values, with zeros': [0, 0, 1, 5 * HOUR, 5 * HOUR, 30 * 24 * HOUR],
  };

  it.each(Object.entries(sets).map(([name, values]) => ({ name, values })))(
    'percentiles are within 2% of the exact ones, the mean and maximum exact: $name',
    ({ values }) => {
      const h = new DurationHistogram();
      for (const v of values) h.add(v);
      for (const p of [0.5, 0.9, 0.99, 1]) {
        const exact = exactPercentile(values, p);
        const estimate = h.percentileMs(p)!;
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(exact * HISTOGRAM_MAX_RELATIVE_ERROR + 1e-9);
      }
      expect(h.meanMs()).toBe(values.reduce((a, b) => a + b, 0) / values.length);
      expect(h.stats().max_hours).toBe(Math.round((Math.max(...values) / HOUR) * 1000) / 1000);
    },
  );

  it('states its precision: sqrt(1.04) - 1 rounded up, under 2%', () => {
    expect(HISTOGRAM_MAX_RELATIVE_ERROR).toBe(0.0199);
  });

  it('gives the same statistics whatever order the durations arrive in', () => {
    const values = sets['minutes to weeks, log-uniform']!;
    const stats = (order: number[]) => {
      const h = new DurationHistogram();
      for (const v of order) h.add(v);
      return JSON.stringify(h.stats());
    };
    expect(stats(shuffled(values, 1))).toBe(stats(values));
    expect(stats(shuffled(values, 2))).toBe(stats(values));
  });

  it('is exact for a single value and says null when empty', () => {
    const h = new DurationHistogram();
    expect(h.stats()).toEqual({ count: 0, mean_hours: null, median_hours: null, p90_hours: null, max_hours: null });
    h.add(7 * HOUR);
    expect(h.stats()).toEqual({ count: 1, mean_hours: 7, median_hours: 7, p90_hours: 7, max_hours: 7 });
  });

  it('counts a negative duration (clock skew) as zero', () => {
    const h = new DurationHistogram();
    h.add(-5);
    expect(h.stats()).toMatchObject({ count: 1, mean_hours: 0, median_hours: 0 });
  });
});
