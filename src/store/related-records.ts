import type { FailureTrace } from '../contracts/failure-trace.ts';
import { type LabRecord, recordMeta, recordTypeOf } from '../contracts/lab-record.ts';
import { compareRecords } from './query-filter.ts';
import type { TracePage, TraceStore } from './trace-store.ts';

/** Every record that names a failure id, across all pages. */
async function naming(store: TraceStore, failureId: string): Promise<LabRecord[]> {
  const out: LabRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: TracePage = await store.query({ record_type: 'all', failure_id: failureId, limit: 500, cursor });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/**
 * Everything stored about one failure, in started_at order: the run whose failure_id it is, the
 * failure traces whose cascade holds it, and the recovery traces and fallback records whose
 * trigger is any failure of those cascades (a recovery answers the primary, which a run's own
 * failure_id is not when the failure began deeper).
 */
export async function recordsOfFailure(store: TraceStore, failureId: string): Promise<LabRecord[]> {
  const found = new Map<string, LabRecord>();
  const add = (records: LabRecord[]) => records.forEach((r) => found.set(recordMeta(r).key, r));
  const direct = await naming(store, failureId);
  add(direct);
  const cascadeIds = new Set(
    direct.flatMap((r) =>
      recordTypeOf(r) === 'failure_trace' ? (r as FailureTrace).cascade.map((e) => e.failure_id) : [],
    ),
  );
  cascadeIds.delete(failureId);
  for (const id of cascadeIds) add(await naming(store, id));
  return [...found.values()].sort((a, b) => compareRecords(recordMeta(a), recordMeta(b)));
}
