import type { FailureKind } from '../contracts/failure-kind.ts';
import type { LabRecord, RecordOf, RecordType } from '../contracts/lab-record.ts';

/** Which records a query selects; every field narrows it. */
export interface TraceQuery<T extends RecordType | 'all' = RecordType | 'all'> {
  /** Which contract: runs (trace_record, the default), failure_trace, recovery_trace, fallback, shard_manifest, or all of them. */
  record_type?: T;
  /** Records that name this failure id (a run's failure_id, a failure in a cascade, a recovery's or fallback's trigger). */
  failure_id?: string;
  /** A failure kind, or "pass" for runs with none. */
  kind?: FailureKind | 'pass';
  // kind, subject_id and scenario_id describe runs: with any of them, only runs match.
  subject_id?: string;
  scenario_id?: string;
  /** Runs (or, with record_type shard_manifest, shard manifests) of one capture (build). */
  build_id?: string;
  /** started_at at or after this ISO time. */
  since?: string;
  /** started_at before this ISO time. */
  until?: string;
  /** Page size (default 100). */
  limit?: number;
  /** The cursor of the previous page. */
  cursor?: string | null;
}

/** One page of a query, in started_at order (a fallback's timestamp); cursor is null on the last page. */
export interface TracePage<R extends LabRecord = LabRecord> {
  records: R[];
  cursor: string | null;
  /**
   * Stored records the query could not read (truncated, garbled, empty, of a future
   * schema_version), each named, so a reader can say so and go on with the rest. A record that
   * cannot be read cannot be matched against the query either: the first page of every query
   * names all of them.
   */
  skipped?: SkippedRecord[];
}

/** A stored record that could not be read: its key, where it is, and why. */
export interface SkippedRecord {
  key: string;
  /** The file (or document) it is in. */
  where: string;
  reason: string;
}

/** The records a query of a record type returns. */
export type QueryResult<T extends RecordType | 'all' | undefined> = T extends RecordType
  ? RecordOf<T>
  : T extends 'all'
    ? LabRecord
    : RecordOf<'trace_record'>;

/** What became of one record of a putMany. */
export type PutOutcome = { key: string; stored: true } | { key: string; stored: false; error: string };

/**
 * Where runs (TraceRecords) and the failure traces, recovery traces and fallback records derived
 * from them are kept. A record's key is storeKey: a run's failure_id (its trace_id for a pass), a
 * trace's trace_id, a fallback's fallback_id. put is an idempotent upsert by key; get returns
 * undefined for a missing key and refuses (ContractViolationError) a stored record that breaks
 * its contract. query returns runs unless record_type says otherwise.
 */
export interface TraceStore {
  readonly name: string;
  /** Stores one record; resolves only once it is durable (for a durable backend). */
  put(record: LabRecord): Promise<void>;
  /** Stores many; never rejects for a record it could not store: that record's outcome says why. */
  putMany(records: readonly LabRecord[]): Promise<PutOutcome[]>;
  get(key: string): Promise<LabRecord | undefined>;
  query<T extends RecordType | 'all' | undefined = undefined>(
    query?: TraceQuery & { record_type?: T },
  ): Promise<TracePage<QueryResult<T>>>;
  close(): Promise<void>;
}

/** The default page size of a query. */
export const DEFAULT_PAGE_SIZE = 100;

/** How long putEach works before it lets timers and I/O run (a deadline that fires meanwhile is late by at most this). */
const PUT_EACH_SLICE_MS = 2;

/**
 * putMany for backends without a native bulk write: one put after another, outcomes collected.
 * A put that completes at once (the memory store's) would otherwise hold the event loop for the
 * whole batch, so every few milliseconds it yields to the timers and I/O of runs in flight.
 */
export async function putEach(
  store: Pick<TraceStore, 'put'>,
  records: readonly LabRecord[],
  keyOf: (r: LabRecord) => string,
  describe: (e: unknown) => string,
): Promise<PutOutcome[]> {
  const outcomes: PutOutcome[] = [];
  let sliceStart = performance.now();
  for (const record of records) {
    if (performance.now() - sliceStart > PUT_EACH_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    try {
      await store.put(record);
      outcomes.push({ key: keyOf(record), stored: true });
    } catch (error) {
      outcomes.push({ key: keyOf(record), stored: false, error: describe(error) });
    }
  }
  return outcomes;
}
