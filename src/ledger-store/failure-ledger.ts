import type { SkippedRecord } from '../store/trace-store.ts';
import type { FailureCategory, FailureRecord, FailureStatus, Severity } from '../contracts/failure-record.ts';

/** Which failure records a query selects; every field narrows it. */
export interface FailureQuery {
  /** One status, or any of several. */
  status?: FailureStatus | readonly FailureStatus[];
  category?: FailureCategory;
  severity?: Severity;
  fingerprint?: string;
  build_id?: string;
  /** timestamp at or after this ISO time. */
  since?: string;
  /** timestamp before this ISO time. */
  until?: string;
  /** Only records past their SLA at this ISO time and not yet RESOLVED or PREVENTED. */
  overdue_at?: string;
  /** Page size (default 100). */
  limit?: number;
  /** The cursor of the previous page. */
  cursor?: string | null;
}

/** One page of a query, ordered by timestamp, then failure_id; cursor is null on the last page. */
export interface FailurePage {
  records: FailureRecord[];
  cursor: string | null;
  /** Stored records the query could not read, each named (as a trace store's page): the first page names all of them. */
  skipped?: SkippedRecord[];
}

/**
 * Where the failure ledger's records are kept. Records change (their status, owner, resolution),
 * so every change is a compare-and-swap on `lab.revision`: `replace` writes only when the stored
 * revision is the one the caller read, and throws ConflictError otherwise, naming the record. Two
 * updates, from two processes or machines, never lose one another. Every backend checks a record
 * against the FailureRecord contract at its edge, as the trace stores do.
 */
export interface FailureLedger {
  readonly name: string;
  /** The record, or undefined when there is none. */
  get(failureId: string): Promise<FailureRecord | undefined>;
  /** Stores a new record (lab.revision 1); ConflictError when one with its failure_id exists. */
  create(record: FailureRecord): Promise<void>;
  /**
   * Replaces a record whose stored lab.revision is `expectedRevision`; the new record must carry
   * expectedRevision + 1. ConflictError when the stored revision differs (or the record is gone).
   */
  replace(record: FailureRecord, expectedRevision: number): Promise<void>;
  query(query?: FailureQuery): Promise<FailurePage>;
  close(): Promise<void>;
}

/** The default page size of a failure query. */
export const DEFAULT_FAILURE_PAGE = 100;
