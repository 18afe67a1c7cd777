import type { TraceRecord } from '../contracts/trace-record.ts';
import { UsageError } from '../errors/usage-error.ts';
import type { TraceQuery } from './trace-store.ts';

/** True when a record matches every field of a query (the cursor and limit aside). */
export function matchesQuery(record: TraceRecord, query: TraceQuery): boolean {
  if (query.kind !== undefined && (record.detected ?? 'pass') !== query.kind) return false;
  if (query.subject_id !== undefined && record.subject_id !== query.subject_id) return false;
  if (query.scenario_id !== undefined && record.scenario_id !== query.scenario_id) return false;
  if (query.since !== undefined && record.started_at < query.since) return false;
  if (query.until !== undefined && record.started_at >= query.until) return false;
  return true;
}

/** Records' order in every store: started_at, then key. */
export function compareRecords(a: { started_at: string; key: string }, b: { started_at: string; key: string }): number {
  return a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
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
  throw new UsageError({ message: `invalid query cursor "${cursor}": pass back the cursor of the previous page unchanged` });
}
