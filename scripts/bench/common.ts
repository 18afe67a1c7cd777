// Helpers shared by the benchmark parts.

/** The median of a sample. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds as microseconds, for a table cell. */
export const fmtUs = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

/** Runs fn n times after a warm-up and returns each duration in ms. */
export async function sample(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(500, n); i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** What every part gets: whether to run short, and where to add its table rows. */
export interface BenchContext {
  quick: boolean;
  rows: string[];
}
