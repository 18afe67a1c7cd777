import type { FailureByCategory, FailureTrends, MttrMetrics, RepeatFailures } from '../contracts/failure-analytics.ts';
import type { FailureRecord } from '../contracts/failure-record.ts';
import { CategoryAccumulator } from './category-breakdown.ts';
import { MttrAccumulator } from './mttr.ts';
import { timelineAt } from './record-timeline.ts';
import { RepeatAccumulator } from './repeat-failures.ts';
import { TrendsAccumulator } from './trends.ts';
import { parseAsOf } from './utc-calendar.ts';

/** The four analytics files of the failure ledger, as values. */
export interface FailureAnalytics {
  trends: FailureTrends;
  byCategory: FailureByCategory;
  repeats: RepeatFailures;
  mttr: MttrMetrics;
}

/** What an analysis describes. */
export interface AnalyticsOptions {
  /** The instant (ISO UTC, exclusive): records, status changes and escalations at or after it are left out. */
  asOf: string;
}

/**
 * Computes the four analytics files in one pass over the records, in any order. Memory grows with
 * what the files hold (days, categories, fingerprints), never with the number of records: each
 * record is folded into counters and dropped. The same records and asOf give byte-identical files.
 */
export async function computeAnalytics(
  records: AsyncIterable<FailureRecord> | Iterable<FailureRecord>,
  { asOf }: AnalyticsOptions,
): Promise<FailureAnalytics> {
  const asOfMs = parseAsOf(asOf);
  const canonical = new Date(asOfMs).toISOString();
  const trends = new TrendsAccumulator();
  const categories = new CategoryAccumulator();
  const repeats = new RepeatAccumulator();
  const mttr = new MttrAccumulator(asOfMs);
  for await (const record of records) {
    const timeline = timelineAt(record, asOfMs);
    if (!timeline) continue;
    trends.add(record, timeline);
    categories.add(record, timeline);
    repeats.add(record, timeline);
    mttr.add(record, timeline);
  }
  return {
    trends: trends.result(canonical),
    byCategory: categories.result(canonical),
    repeats: repeats.result(canonical),
    mttr: mttr.result(canonical),
  };
}
