import type { FailureStatus } from '../contracts/failure-record.ts';
import { decodeCursor, encodeCursor } from '../store/query-filter.ts';
import type { FailureQuery } from './failure-ledger.ts';
import { type FailureFields, indexTime } from './failure-fields.ts';

/** Statuses after which a record can no longer be overdue. */
export const CLOSED_STATUSES: readonly FailureStatus[] = ['RESOLVED', 'PREVENTED'];

/** A query's values as every backend compares them: statuses as a list, times normalized. */
export interface NormalizedFailureQuery {
  statuses: readonly FailureStatus[] | undefined;
  since: string | undefined;
  until: string | undefined;
  overdue_at: string | undefined;
}

/** Normalizes a query's values (not its cursor: Cosmos has cursors of its own); a bad time is a UsageError naming it. */
export function normalizeFailureQuery(query: FailureQuery): NormalizedFailureQuery {
  const time = (value: string | undefined, name: string) => (value === undefined ? undefined : indexTime(value, name));
  const status = query.status;
  return {
    statuses: status === undefined ? undefined : typeof status === 'string' ? [status] : status,
    since: time(query.since, 'since'),
    until: time(query.until, 'until'),
    overdue_at: time(query.overdue_at, 'overdue_at'),
  };
}

/** True when a record (by its fields) matches every field of a query, the cursor and limit aside. */
export function matchesFailureQuery(
  f: FailureFields,
  query: FailureQuery,
  n: NormalizedFailureQuery = normalizeFailureQuery(query),
): boolean {
  if (n.statuses !== undefined && !n.statuses.includes(f.status)) return false;
  if (query.category !== undefined && f.category !== query.category) return false;
  if (query.severity !== undefined && f.severity !== query.severity) return false;
  if (query.fingerprint !== undefined && f.fingerprint !== query.fingerprint) return false;
  if (query.build_id !== undefined && f.build_id !== query.build_id) return false;
  if (n.since !== undefined && f.timestamp < n.since) return false;
  if (n.until !== undefined && f.timestamp >= n.until) return false;
  if (n.overdue_at !== undefined && !(f.sla_target < n.overdue_at && !CLOSED_STATUSES.includes(f.status))) return false;
  return true;
}

/** The ledger's order in every backend: timestamp, then failure_id. */
export function compareFailures(
  a: { timestamp: string; failure_id: string },
  b: { timestamp: string; failure_id: string },
): number {
  return a.timestamp < b.timestamp
    ? -1
    : a.timestamp > b.timestamp
      ? 1
      : a.failure_id < b.failure_id
        ? -1
        : a.failure_id > b.failure_id
          ? 1
          : 0;
}

/** A position in that order, as an opaque cursor (the trace stores' cursor format). */
export function encodeFailureCursor(position: { timestamp: string; failure_id: string }): string {
  return encodeCursor({ started_at: position.timestamp, key: position.failure_id });
}

/** Reads a cursor written by encodeFailureCursor; anything else is a UsageError. */
export function decodeFailureCursor(cursor: string): { timestamp: string; failure_id: string } {
  const { started_at, key } = decodeCursor(cursor);
  return { timestamp: started_at, failure_id: key };
}
