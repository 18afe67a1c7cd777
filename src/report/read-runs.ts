import { createHash } from 'node:crypto';
import type { RecordType, RecordOf } from '../contracts/lab-record.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { deriveRunRecords, type RunRecords } from '../derive/derive-run-records.ts';
import type { TraceStore } from '../store/trace-store.ts';

/** Records per page when reading a store. */
const PAGE = 500;

/** Every record of one type (runs: of one build, or all), page after page, in the store's order. */
export async function* storeRecords<T extends RecordType>(
  store: TraceStore,
  recordType: T,
  buildId?: string,
): AsyncGenerator<RecordOf<T>> {
  let cursor: string | null = null;
  do {
    const page: { records: unknown[]; cursor: string | null } = await store.query({
      record_type: recordType,
      ...(buildId === undefined ? {} : { build_id: buildId }),
      limit: PAGE,
      cursor,
    });
    yield* page.records as RecordOf<T>[];
    cursor = page.cursor;
  } while (cursor);
}

const byTime = (a: { at: string; id: string }, b: { at: string; id: string }) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The failure traces, recovery traces and fallback records stored beside the given runs, by the
 * trace id of their run, each list in time order (then id). One pass over each record type,
 * whatever the number of runs; records of other runs are dropped as they are read.
 */
export async function storedRelated(store: TraceStore, runs: ReadonlySet<string>): Promise<Map<string, RunRecords>> {
  const byRun = new Map<string, RunRecords>();
  const of = (traceId: string | null) => {
    if (traceId === null || !runs.has(traceId)) return null;
    let r = byRun.get(traceId);
    if (!r) byRun.set(traceId, (r = { failure_traces: [], recovery_traces: [], fallback_records: [] }));
    return r;
  };
  for await (const t of storeRecords(store, 'failure_trace')) of(t.original_trace_id)?.failure_traces.push(t);
  for await (const t of storeRecords(store, 'recovery_trace')) of(t.original_trace_id)?.recovery_traces.push(t);
  for await (const f of storeRecords(store, 'fallback')) of(f.trace_id)?.fallback_records.push(f);
  for (const r of byRun.values()) {
    r.failure_traces.sort((a, b) => byTime({ at: a.started_at, id: a.trace_id }, { at: b.started_at, id: b.trace_id }));
    r.recovery_traces.sort((a, b) =>
      byTime({ at: a.started_at, id: a.trace_id }, { at: b.started_at, id: b.trace_id }),
    );
    r.fallback_records.sort((a, b) =>
      byTime({ at: a.timestamp, id: a.fallback_id }, { at: b.timestamp, id: b.fallback_id }),
    );
  }
  return byRun;
}

/** Ids derived from a run's trace id, so records derived again for a report are the same every time. */
function stableIds(traceId: string): () => string {
  let n = 0;
  return () => {
    const h = createHash('sha256').update(`${traceId}:${n++}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
}

/**
 * A run's derived records: those stored beside it, or, when the store holds none (a store that
 * was given runs alone, say), derived again from the run with deriveRunRecords and ids that
 * depend only on the run.
 */
export function relatedOf(
  trace: TraceRecord,
  stored: Map<string, RunRecords>,
): { records: RunRecords; derived: boolean } {
  const found = stored.get(trace.trace_id);
  if (found) return { records: found, derived: false };
  const derived = deriveRunRecords(trace, stableIds(trace.trace_id));
  const any = derived.failure_traces.length + derived.recovery_traces.length + derived.fallback_records.length > 0;
  return { records: derived, derived: any };
}
