import { REPEAT_FAILURE_IDS_MAX, type RepeatedFailure, type RepeatFailures } from '../contracts/failure-analytics.ts';
import type { FailureRecord, FailureStatus } from '../contracts/failure-record.ts';
import { BoundedList, compareText } from './bounded-list.ts';
import { isOpen, type RecordTimeline } from './record-timeline.ts';

/** A record's place in time: by timestamp, then failure_id, a total order however records arrive. */
export interface RecordKey {
  ms: number;
  id: string;
}

/** Orders record keys oldest first. */
export function compareRecordKeys(a: RecordKey, b: RecordKey): number {
  return a.ms - b.ms || compareText(a.id, b.id);
}

interface FingerprintState {
  records: number;
  runs: number;
  firstMs: number;
  lastMs: number;
  ids: BoundedList<RecordKey>;
  latest: RecordKey & {
    category: FailureRecord['category'];
    subcategory: FailureRecord['subcategory'];
    component: string;
    status: FailureStatus;
  };
  openRecords: number;
  escalations: number;
  regressions: number;
}

/** Builds repeat-failures.json (memory grows with fingerprints, at most 50 ids each, not with records). */
export class RepeatAccumulator {
  readonly #fingerprints = new Map<string, FingerprintState>();
  #records = 0;

  add(record: FailureRecord, timeline: RecordTimeline): void {
    this.#records++;
    const key = { ms: timeline.recordedMs, id: record.failure_id };
    const latest = {
      ...key,
      category: record.category,
      subcategory: record.subcategory,
      component: record.context.component,
      status: timeline.status,
    };
    let state = this.#fingerprints.get(record.lab.fingerprint);
    if (!state) {
      state = {
        records: 0,
        runs: 0,
        firstMs: key.ms,
        lastMs: key.ms,
        ids: new BoundedList(REPEAT_FAILURE_IDS_MAX, compareRecordKeys),
        latest,
        openRecords: 0,
        escalations: 0,
        regressions: 0,
      };
      this.#fingerprints.set(record.lab.fingerprint, state);
    }
    state.records++;
    state.runs += record.lab.occurrences.count;
    state.firstMs = Math.min(state.firstMs, key.ms);
    state.lastMs = Math.max(state.lastMs, key.ms);
    state.ids.add(key);
    if (compareRecordKeys(key, state.latest) > 0) state.latest = latest;
    if (isOpen(timeline.status)) state.openRecords++;
    state.escalations += timeline.escalationsMs.length;
    if (record.lab.regression !== null) state.regressions++;
  }

  result(asOf: string): RepeatFailures {
    const failures: RepeatedFailure[] = [...this.#fingerprints.entries()]
      .filter(([, s]) => s.records >= 2)
      .sort(([fa, a], [fb, b]) => b.records - a.records || b.runs - a.runs || compareText(fa, fb))
      .map(([fingerprint, s]) => ({
        fingerprint,
        category: s.latest.category,
        subcategory: s.latest.subcategory,
        component: s.latest.component,
        records: s.records,
        runs: s.runs,
        first_seen: new Date(s.firstMs).toISOString(),
        last_seen: new Date(s.lastMs).toISOString(),
        failure_ids: s.ids.items.map((k) => k.id),
        latest_failure_id: s.latest.id,
        latest_status: s.latest.status,
        open_records: s.openRecords,
        escalations: s.escalations,
        regressions: s.regressions,
      }));
    return {
      schema_version: 1,
      as_of: asOf,
      records: this.#records,
      fingerprints: this.#fingerprints.size,
      repeated_fingerprints: failures.length,
      repeat_records: failures.reduce((sum, f) => sum + f.records, 0),
      failures,
    };
  }
}
