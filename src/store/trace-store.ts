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

/** What became of one record of a putMany. */
export type PutOutcome = { key: string; stored: true } | { key: string; stored: false; error: string };

/**
 * Where TraceRecords are kept. A record's key is its failure_id, or its trace_id for a pass
 * (see recordKey). put is an idempotent upsert by key; get returns undefined for a missing key
 * and refuses (ContractViolationError) a stored record that breaks the contract.
 */
export interface TraceStore {
  readonly name: string;
  /** Stores one record; resolves only once it is durable (for a durable backend). */
  put(record: TraceRecord): Promise<void>;
  /** Stores many; never rejects for a record it could not store: that record's outcome says why. */
  putMany(records: readonly TraceRecord[]): Promise<PutOutcome[]>;
  get(key: string): Promise<TraceRecord | undefined>;
  query(query?: TraceQuery): Promise<TracePage>;
  close(): Promise<void>;
}

/** The default page size of a query. */
export const DEFAULT_PAGE_SIZE = 100;

/** putMany for backends without a native bulk write: one put after another, outcomes collected. */
export async function putEach(store: Pick<TraceStore, 'put'>, records: readonly TraceRecord[], keyOf: (r: TraceRecord) => string, describe: (e: unknown) => string): Promise<PutOutcome[]> {
  const outcomes: PutOutcome[] = [];
  for (const record of records) {
    try {
      await store.put(record);
      outcomes.push({ key: keyOf(record), stored: true });
    } catch (error) {
      outcomes.push({ key: keyOf(record), stored: false, error: describe(error) });
    }
  }
  return outcomes;
}
