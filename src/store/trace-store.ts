import type { FailureKind } from '../contracts/failure-kind.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';

/** Which records a query selects; every field narrows it. */
export interface TraceQuery {
  /** A failure kind, or "pass" for runs with none. */
  kind?: FailureKind | 'pass';
  subject_id?: string;
  scenario_id?: string;
  /** started_at at or after this ISO time. */
  since?: string;
  /** started_at before this ISO time. */
  until?: string;
  /** Page size (default 100). */
  limit?: number;
  /** The cursor of the previous page. */
  cursor?: string | null;
}

/** One page of a query, in started_at order; cursor is null on the last page. */
export interface TracePage {
  records: TraceRecord[];
  cursor: string | null;
}

/**
 * Where TraceRecords are kept. A record's key is its failure_id, or its trace_id for a pass
 * (see recordKey). put is an idempotent upsert by key; get returns undefined for a missing key
 * and refuses (ContractViolationError) a stored record that breaks the contract.
 */
export interface TraceStore {
  readonly name: string;
  put(record: TraceRecord): Promise<void>;
  get(key: string): Promise<TraceRecord | undefined>;
  query(query?: TraceQuery): Promise<TracePage>;
  close(): Promise<void>;
}

/** The default page size of a query. */
export const DEFAULT_PAGE_SIZE = 100;
