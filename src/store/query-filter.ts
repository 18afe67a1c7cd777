import type { RecordMeta } from '../contracts/lab-record.ts';
import { UsageError } from '../errors/usage-error.ts';
import type { TraceQuery } from './trace-store.ts';

/** True when a record (by its index fields) matches every field of a query (the cursor and limit aside). */
export function matchesQuery(meta: RecordMeta, query: TraceQuery): boolean {
  const type = query.record_type ?? 'trace_record';
  if (type !== 'all' && meta.record_type !== type) return false;
  if (query.failure_id !== undefined && !meta.failure_ids.includes(query.failure_id)) return false;
  if (query.kind !== undefined && meta.kind !== query.kind) return false;
  if (query.subject_id !== undefined && meta.subject_id !== query.subject_id) return false;
  if (query.scenario_id !== undefined && meta.scenario_id !== query.scenario_id) return false;
  if (query.build_id !== undefined && meta.build_id !== query.build_id) return false;
  if (query.since !== undefined && meta.started_at < query.since) return false;
  if (query.until !== undefined && meta.started_at >= query.until) return false;
  return true;
}

/** Records' order in every store: started_at, then key. */
export function compareRecords(a: { started_at: string; key: string }, b: { started_at: string; key: string }): number {
  return a.started_at < b.started_at
    ? -1
    : a.started_at > b.started_at
      ? 1
      : a.key < b.key
        ? -1
        : a.key > b.key
          ? 1
          : 0;
}

/** A position in that order, as an opaque cursor. */
export function encodeCursor(position: { started_at: string; key: string }): string {
  return Buffer.from(JSON.stringify([position.started_at, position.key])).toString('base64url');
}

/** Reads a cursor written by encodeCursor. */
export function decodeCursor(cursor: string): { started_at: string; key: string } {
  try {
    const [started_at, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof started_at === 'string' && typeof key === 'string') return { started_at, key };
  } catch {
    // Fall through to the error below.
  }
  throw new UsageError({
    message: `invalid query cursor "${cursor}": pass back the cursor of the previous page unchanged`,
  });
}
