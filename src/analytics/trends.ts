import type { FailureTrends, TrendCounts } from '../contracts/failure-analytics.ts';
import type { FailureRecord } from '../contracts/failure-record.ts';
import { compareText } from './bounded-list.ts';
import { zeroByCategory, zeroBySeverity } from './counts.ts';
import { isReopen, type RecordTimeline } from './record-timeline.ts';
import { DAY_MS, isoWeek, utcDay } from './utc-calendar.ts';

function zeroTrend(): TrendCounts {
  return {
    recorded: 0,
    runs: 0,
    repeats: 0,
    regressions: 0,
    by_category: zeroByCategory(),
    by_severity: zeroBySeverity(),
    resolved: 0,
    prevented: 0,
    reopened: 0,
    escalations: 0,
  };
}

type Event = 'resolved' | 'prevented' | 'reopened' | 'escalations';

/** Builds failure-trends.json: one bucket per UTC day and per ISO week with activity (memory grows with days, not records). */
export class TrendsAccumulator {
  readonly #totals = zeroTrend();
  readonly #days = new Map<string, TrendCounts>();
  readonly #weeks = new Map<string, TrendCounts & { starts: string }>();
  readonly #byDayNumber = new Map<number, TrendCounts[]>();

  add(record: FailureRecord, timeline: RecordTimeline): void {
    for (const bucket of this.#buckets(timeline.recordedMs)) {
      bucket.recorded++;
      bucket.runs += record.lab.occurrences.count;
      if (record.repetition_tracking.is_repeat) bucket.repeats++;
      if (record.lab.regression !== null) bucket.regressions++;
      bucket.by_category[record.category]++;
      bucket.by_severity[record.severity]++;
    }
    for (const t of timeline.transitions) {
      if (t.from === null) continue;
      if (t.to === 'RESOLVED') this.#count('resolved', t.atMs);
      if (t.to === 'PREVENTED') this.#count('prevented', t.atMs);
      if (isReopen(t)) this.#count('reopened', t.atMs);
    }
    for (const at of timeline.escalationsMs) this.#count('escalations', at);
  }

  #count(event: Event, atMs: number): void {
    for (const bucket of this.#buckets(atMs)) bucket[event]++;
  }

  #buckets(atMs: number): TrendCounts[] {
    // Keyed by day number: formatting a date for every event would cost more than the counting.
    const dayNumber = Math.floor(atMs / DAY_MS);
    let buckets = this.#byDayNumber.get(dayNumber);
    if (!buckets) {
      const date = utcDay(atMs);
      const day = zeroTrend();
      this.#days.set(date, day);
      const { week: name, starts } = isoWeek(atMs);
      let week = this.#weeks.get(name);
      if (!week) this.#weeks.set(name, (week = { ...zeroTrend(), starts }));
      this.#byDayNumber.set(dayNumber, (buckets = [this.#totals, day, week]));
    }
    return buckets;
  }

  result(asOf: string): FailureTrends {
    const sorted = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => compareText(a, b));
    return {
      schema_version: 1,
      as_of: asOf,
      totals: this.#totals,
      days: sorted(this.#days).map(([date, counts]) => ({ date, ...counts })),
      weeks: sorted(this.#weeks).map(([week, { starts, ...counts }]) => ({ week, starts, ...counts })),
    };
  }
}
