// Helpers shared by the benchmark parts.

/** The median of a sample. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

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

/**
 * One row of the benchmark table, as `npm run bench -- --json` prints it: what was measured, the
 * baseline it is compared with (null when there is none), the lab's figure, their ratio
 * (lab ÷ baseline, or the ratio the target names), the target, and whether it was met.
 */
export interface BenchRow {
  name: string;
  unit: string;
  baseline: number | null;
  lab: number;
  ratio: number | null;
  target: string | null;
  met: boolean | null;
  /** What the figures mean, or what else was seen. */
  note?: string;
}

/** A target: a bound on the ratio, on the lab's figure, or on lab − baseline. */
export type Target = { on: 'ratio' | 'lab' | 'added'; op: '<=' | '>='; value: number; unit?: string };

/** Builds a row; the ratio defaults to lab ÷ baseline, and met is decided by the target. */
export function row({
  name,
  unit,
  baseline = null,
  lab,
  ratio,
  target,
  note,
}: {
  name: string;
  unit: string;
  baseline?: number | null;
  lab: number;
  ratio?: number | null;
  target?: Target;
  note?: string;
}): BenchRow {
  const r = ratio !== undefined ? ratio : baseline ? lab / baseline : null;
  let met: boolean | null = null;
  let text: string | null = null;
  if (target) {
    const value = target.on === 'ratio' ? r : target.on === 'lab' ? lab : baseline === null ? null : lab - baseline;
    met = value === null ? null : target.op === '<=' ? value <= target.value : value >= target.value;
    text = `${target.on === 'added' ? 'lab − baseline' : target.on} ${target.op === '<=' ? '≤' : '≥'} ${target.value}${target.unit ? ` ${target.unit}` : ''}`;
  }
  return {
    name,
    unit,
    baseline: round(baseline),
    lab: round(lab)!,
    ratio: round(r),
    target: text,
    met,
    ...(note ? { note } : {}),
  };
}

/** Four significant digits: enough for a table, stable in JSON. */
function round(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? value : Number(value.toPrecision(4));
}

/** What every part gets: whether to run short, where to add its rows, and where to say what it is doing. */
export interface BenchContext {
  quick: boolean;
  rows: BenchRow[];
  progress: (message: string) => void;
}

/** The rows as a Markdown table. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const num = (v: number | null, unit: string) =>
    v === null ? '' : `${v.toLocaleString('en-US', { maximumFractionDigits: 3 })} ${unit}`;
  const lines = ['| measurement | baseline | lab | ratio | target | met |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const name = r.note ? `${r.name}<br><small>${r.note}</small>` : r.name;
    lines.push(
      `| ${name} | ${num(r.baseline, r.unit)} | ${num(r.lab, r.unit)} | ${r.ratio === null ? '' : r.ratio.toFixed(2)} | ${r.target ?? ''} | ${r.met === null ? '' : r.met ? 'met' : '**not met**'} |`,
    );
  }
  return lines.join('\n');
}
