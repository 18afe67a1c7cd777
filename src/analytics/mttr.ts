import {
  HISTOGRAM_BUCKET_RATIO,
  type MttrGroup,
  type MttrMetrics,
  type SlaCounts,
} from '../contracts/failure-analytics.ts';
import {
  FAILURE_CATEGORIES,
  type FailureCategory,
  type FailureRecord,
  SEVERITIES,
  type Severity,
} from '../contracts/failure-record.ts';
import { inOrder } from './counts.ts';
import { DurationHistogram, HISTOGRAM_MAX_RELATIVE_ERROR } from './duration-histogram.ts';
import { isOpen, type RecordTimeline } from './record-timeline.ts';

/** The SLA counts, and time to resolution and prevention, of a group of records in constant memory. */
export class MttrGroupAccumulator {
  records = 0;
  readonly resolution = new DurationHistogram();
  readonly prevention = new DurationHistogram();
  readonly sla: SlaCounts = { open: 0, overdue: 0, resolved_within_sla: 0, resolved_late: 0 };

  add(timeline: RecordTimeline, asOfMs: number): void {
    this.records++;
    if (timeline.firstResolvedMs !== null) {
      this.resolution.add(timeline.firstResolvedMs - timeline.createdMs);
      if (timeline.firstResolvedMs <= timeline.targetMs) this.sla.resolved_within_sla++;
      else this.sla.resolved_late++;
    }
    if (timeline.firstPreventedMs !== null) this.prevention.add(timeline.firstPreventedMs - timeline.createdMs);
    if (isOpen(timeline.status)) {
      this.sla.open++;
      if (timeline.targetMs < asOfMs) this.sla.overdue++;
    }
  }

  result(): MttrGroup {
    return {
      records: this.records,
      resolution: this.resolution.stats(),
      prevention: this.prevention.stats(),
      sla: { ...this.sla },
    };
  }
}

/** Builds mttr-metrics.json (a fixed number of histograms, whatever the number of records). */
export class MttrAccumulator {
  readonly #asOfMs: number;
  readonly #overall = new MttrGroupAccumulator();
  readonly #byCategory = new Map<FailureCategory, MttrGroupAccumulator>();
  readonly #bySeverity = new Map<Severity, MttrGroupAccumulator>();

  constructor(asOfMs: number) {
    this.#asOfMs = asOfMs;
  }

  add(record: FailureRecord, timeline: RecordTimeline): void {
    this.#overall.add(timeline, this.#asOfMs);
    groupOf(this.#byCategory, record.category).add(timeline, this.#asOfMs);
    groupOf(this.#bySeverity, record.severity).add(timeline, this.#asOfMs);
  }

  result(asOf: string): MttrMetrics {
    return {
      schema_version: 1,
      as_of: asOf,
      percentiles: {
        method: 'log-histogram',
        bucket_ratio: HISTOGRAM_BUCKET_RATIO,
        max_relative_error: HISTOGRAM_MAX_RELATIVE_ERROR,
      },
      overall: this.#overall.result(),
      by_category: inOrder(this.#byCategory, FAILURE_CATEGORIES).map(([category, group]) => ({
        category,
        ...group.result(),
      })),
      by_severity: inOrder(this.#bySeverity, SEVERITIES).map(([severity, group]) => ({ severity, ...group.result() })),
    };
  }
}

/** The accumulator of a key, created on first use. */
export function groupOf<K>(map: Map<K, MttrGroupAccumulator>, key: K): MttrGroupAccumulator {
  let group = map.get(key);
  if (!group) map.set(key, (group = new MttrGroupAccumulator()));
  return group;
}
