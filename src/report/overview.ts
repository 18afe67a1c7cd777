import {
  type Counts,
  type DurationBucket,
  FAILURE_TYPE_NAMES,
  type FailureTypeName,
  OUTCOMES,
  type OutcomeName,
  type Overview,
  RECOVERY_OUTCOMES,
  type RecoveryName,
  type RunRow,
} from './report-data.ts';

/** Bucket bounds of the durations histogram, in ms: 1-2-5 steps, so fast and slow runs both show. */
const DURATION_BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000];

/** A bucket's label: "<1ms", "20–50ms", "0.5–1s", "≥30s" (seconds once the upper bound is one). */
function label(from: number, to: number | null): string {
  const seconds = (to ?? from) >= 1000;
  const b = (ms: number) => String(seconds ? ms / 1000 : ms);
  const unit = seconds ? 's' : 'ms';
  if (to === null) return `≥${b(from)}${unit}`;
  if (from === 0) return `<${b(to)}${unit}`;
  return `${b(from)}–${b(to)}${unit}`;
}

/** Durations in 1-2-5 buckets; empty buckets at both ends are left out, the ones between kept. */
export function durationBuckets(durations: readonly number[]): DurationBucket[] {
  const bounds = [0, ...DURATION_BOUNDS];
  const buckets: DurationBucket[] = bounds.map((from, i) => {
    const to = bounds[i + 1] ?? null;
    return { label: label(from, to), from_ms: from, to_ms: to, count: 0 };
  });
  for (const d of durations) {
    let i = DURATION_BOUNDS.findIndex((b) => d < b);
    if (i === -1) i = DURATION_BOUNDS.length;
    buckets[i]!.count++;
  }
  const first = buckets.findIndex((b) => b.count > 0);
  if (first === -1) return [];
  const last = buckets.findLastIndex((b) => b.count > 0);
  return buckets.slice(first, last + 1);
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function counts<K extends string>(keys: readonly K[], values: Iterable<K>): Counts<K> {
  const map = new Map<K, number>(keys.map((k) => [k, 0]));
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return keys.map((key) => ({ key, count: map.get(key)! }));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The overview of the runs in scope. `lost` counts what the ledger recorded as not stored or not
 * read back in those builds: a report read from the store sees only what was stored.
 */
export function overviewOf(rows: readonly RunRow[], lost: { not_stored: number; not_retrieved: number }): Overview {
  const mismatched = rows.filter((r) => r.expected !== r.detected);
  const builds = new Map<
    string | null,
    { build_id: string | null; runs: number; first_started_at: string; last_started_at: string }
  >();
  for (const r of rows) {
    const b = builds.get(r.build_id);
    if (!b)
      builds.set(r.build_id, {
        build_id: r.build_id,
        runs: 1,
        first_started_at: r.started_at,
        last_started_at: r.started_at,
      });
    else {
      b.runs++;
      if (r.started_at < b.first_started_at) b.first_started_at = r.started_at;
      if (r.started_at > b.last_started_at) b.last_started_at = r.started_at;
    }
  }
  const confusion = new Map<string, number>();
  for (const r of rows)
    confusion.set(`${r.expected} ${r.detected}`, (confusion.get(`${r.expected} ${r.detected}`) ?? 0) + 1);
  const subjects = [...new Set(rows.map((r) => r.subject_id))].sort(compare);
  const durations = rows.map((r) => r.duration_ms).sort((a, b) => a - b);
  const maxDepth = rows.reduce((m, r) => Math.max(m, r.cascade_depth), 0);
  const depthCounts = Array.from({ length: maxDepth + 1 }, (_, depth) => ({ depth, count: 0 }));
  for (const r of rows) depthCounts[r.cascade_depth]!.count++;
  const starts = rows.map((r) => r.started_at).sort(compare);
  return {
    runs: rows.length,
    matched: rows.length - mismatched.length,
    mismatched: mismatched.length,
    stored: rows.length,
    not_stored: lost.not_stored,
    not_retrieved: lost.not_retrieved,
    builds: [...builds.values()].sort(
      (a, b) => compare(a.first_started_at, b.first_started_at) || compare(a.build_id ?? '', b.build_id ?? ''),
    ),
    first_started_at: starts[0] ?? null,
    last_started_at: starts.at(-1) ?? null,
    confusion: OUTCOMES.flatMap((expected) =>
      OUTCOMES.map((detected) => ({ expected, detected, count: confusion.get(`${expected} ${detected}`) ?? 0 })),
    ),
    by_expected: counts<OutcomeName>(
      OUTCOMES,
      rows.map((r) => r.expected),
    ),
    by_detected: counts<OutcomeName>(
      OUTCOMES,
      rows.map((r) => r.detected),
    ),
    by_subject: subjects.map((subject_id) => {
      const own = rows.filter((r) => r.subject_id === subject_id);
      return {
        subject_id,
        runs: own.length,
        mismatched: own.filter((r) => r.expected !== r.detected).length,
        by_detected: counts<OutcomeName>(
          OUTCOMES,
          own.map((r) => r.detected),
        ),
      };
    }),
    by_failure_type: counts<FailureTypeName>(
      FAILURE_TYPE_NAMES,
      rows.map((r) => r.failure_type),
    ),
    durations: durationBuckets(durations),
    duration_stats: durations.length
      ? { median_ms: percentile(durations, 0.5), p90_ms: percentile(durations, 0.9), max_ms: durations.at(-1)! }
      : null,
    cascade_depths: depthCounts,
    recovery: counts<RecoveryName>(
      RECOVERY_OUTCOMES,
      rows.map((r) => r.recovery),
    ),
    mismatches: mismatched.map((r) => r.trace_id),
  };
}
