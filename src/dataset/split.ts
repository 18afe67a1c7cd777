import { UsageError } from '../errors/usage-error.ts';
import { redraw } from './blind-trace-of.ts';

/** One part of a dataset: its name and the fraction of every stratum it gets. */
export interface SplitSpec {
  name: string;
  fraction: number;
}

/** Parses `--split NAME=FRACTION,...` (e.g. `train=0.8,test=0.2`); the fractions must add up to 1. */
export function parseSplits(text: string): SplitSpec[] {
  const parts = text.split(',').map((p) => p.trim());
  const specs = parts.map((part): SplitSpec => {
    const m = /^([A-Za-z0-9_-]+)=(\d+(?:\.\d+)?|\.\d+)$/.exec(part);
    if (!m)
      throw new UsageError({
        message: `--split: "${part}" is not NAME=FRACTION (a name of letters, digits, - or _, and a fraction such as 0.8), e.g. --split train=0.8,test=0.2`,
      });
    const fraction = Number(m[2]);
    if (fraction <= 0 || fraction > 1)
      throw new UsageError({
        message: `--split: the fraction of "${m[1]}" must be above 0 and at most 1, got ${m[2]}`,
      });
    return { name: m[1]!, fraction };
  });
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new UsageError({ message: `--split: "${s.name}" is named twice` });
    names.add(s.name);
  }
  const total = specs.reduce((sum, s) => sum + s.fraction, 0);
  if (Math.abs(total - 1) > 1e-9)
    throw new UsageError({
      message: `--split: the fractions must add up to 1, got ${Number(total.toFixed(9))} (${text})`,
    });
  return specs;
}

/**
 * Deals items into splits, stratum by stratum (a stratum is a kind and a subject), so each split
 * holds each stratum in its fraction. Within a stratum, items are ordered by a hash of the seed
 * and their id, and each split's count comes from the largest-remainder rule (Hamilton), ties to
 * the split furthest below its share of
 * the items dealt so far, then the split named first. The same items and seed give the same splits, whatever order they came in.
 */
export function stratifiedSplit<T>(
  items: readonly T[],
  splits: readonly SplitSpec[],
  { seed, id, stratum }: { seed: string; id: (item: T) => string; stratum: (item: T) => string },
): Map<string, T[]> {
  const strata = new Map<string, { key: string; item: T }[]>();
  for (const item of items) {
    const s = stratum(item);
    const list = strata.get(s) ?? [];
    list.push({ key: redraw(seed, `split:${id(item)}`, 32), item });
    strata.set(s, list);
  }
  const out = new Map<string, T[]>(splits.map((s) => [s.name, []]));
  let seen = 0;
  for (const name of [...strata.keys()].sort()) {
    const list = strata.get(name)!.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    seen += list.length;
    // A split short of its share of everything dealt so far gets a stratum's odd item first, so
    // many small strata still add up to the fractions.
    const deficit = splits.map((s) => s.fraction * seen - out.get(s.name)!.length);
    const counts = hamilton(list.length, splits, deficit);
    let at = 0;
    splits.forEach((s, i) => {
      out.get(s.name)!.push(...list.slice(at, at + counts[i]!).map((x) => x.item));
      at += counts[i]!;
    });
  }
  return out;
}

/** n shared out by the fractions: floors first, then one more each to the largest remainders. */
function hamilton(n: number, splits: readonly SplitSpec[], deficit: readonly number[]): number[] {
  const exact = splits.map((s) => n * s.fraction);
  const counts = exact.map((x) => Math.floor(x + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, r: x - Math.floor(x + 1e-9) }))
    .sort((a, b) => b.r - a.r || deficit[b.i]! - deficit[a.i]! || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]!++;
    left--;
  }
  return counts;
}
