import type { CountsBySeverity, CountsByStatus, FailureByCategory } from '../contracts/failure-analytics.ts';
import {
  FAILURE_CATEGORIES,
  type FailureCategory,
  type FailureRecord,
  SUBCATEGORIES,
} from '../contracts/failure-record.ts';
import { inOrder, zeroBySeverity, zeroByStatus } from './counts.ts';
import type { RecordTimeline } from './record-timeline.ts';

interface Counts {
  total: number;
  runs: number;
  by_status: CountsByStatus;
  by_severity: CountsBySeverity;
}

const zeroCounts = (): Counts => ({ total: 0, runs: 0, by_status: zeroByStatus(), by_severity: zeroBySeverity() });

function tally(counts: Counts, record: FailureRecord, timeline: RecordTimeline): void {
  counts.total++;
  counts.runs += record.lab.occurrences.count;
  counts.by_status[timeline.status]++;
  counts.by_severity[record.severity]++;
}

/** Builds failure-by-category.json (memory grows with subcategories, not records). */
export class CategoryAccumulator {
  readonly #overall = zeroCounts();
  readonly #categories = new Map<FailureCategory, Counts & { subcategories: Map<string, Counts> }>();

  add(record: FailureRecord, timeline: RecordTimeline): void {
    tally(this.#overall, record, timeline);
    let category = this.#categories.get(record.category);
    if (!category) this.#categories.set(record.category, (category = { ...zeroCounts(), subcategories: new Map() }));
    tally(category, record, timeline);
    let subcategory = category.subcategories.get(record.subcategory);
    if (!subcategory) category.subcategories.set(record.subcategory, (subcategory = zeroCounts()));
    tally(subcategory, record, timeline);
  }

  result(asOf: string): FailureByCategory {
    return {
      schema_version: 1,
      as_of: asOf,
      ...this.#overall,
      categories: inOrder(this.#categories, FAILURE_CATEGORIES).map(([category, { subcategories, ...counts }]) => ({
        category,
        ...counts,
        subcategories: inOrder(subcategories, SUBCATEGORIES[category]).map(([subcategory, c]) => ({
          subcategory: subcategory as FailureRecord['subcategory'],
          ...c,
        })),
      })),
    };
  }
}
