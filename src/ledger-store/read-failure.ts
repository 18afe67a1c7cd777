import { FailureRecord } from '../contracts/failure-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';

/**
 * Checks a failure record against its contract at a ledger's edge: on the way out of a durable
 * ledger (files can be edited, other versions can write), on the way into every ledger. A record
 * of another schema_version, with unknown fields, or stored under another failure_id than its own
 * is refused naming it, never coerced.
 */
export function readFailure(value: unknown, key: string, action: 'read' | 'write' = 'read'): FailureRecord {
  const what = action === 'read' ? 'stored record' : 'record to store';
  const parsed = FailureRecord.safeParse(value);
  if (!parsed.success) {
    const version = (value as { schema_version?: unknown } | null)?.schema_version;
    const hint =
      version !== 1 ? ` (schema_version ${JSON.stringify(version)}; this lab reads and writes version 1)` : '';
    const text = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ContractViolationError({
      recordKey: key,
      message: `${what} breaks the FailureRecord contract${hint}: ${text}`,
    });
  }
  // A file renamed by hand, or a document copied under another id, would otherwise answer for the wrong failure.
  if (parsed.data.failure_id !== key)
    throw new ContractViolationError({
      recordKey: key,
      message: `${what} has failure_id ${parsed.data.failure_id}, not the one it is stored under`,
    });
  return parsed.data;
}

/** A record to write, checked; it is named by its own failure_id (or "(no failure_id)"). */
export function checkedForWrite(record: unknown): FailureRecord {
  const id = (record as { failure_id?: unknown } | null)?.failure_id;
  return readFailure(record, typeof id === 'string' ? id : '(no failure_id)', 'write');
}

/**
 * The revision rule of every write: a created record carries revision 1, a replacement carries
 * one more than the revision it replaces. A record breaking it is refused before anything is read.
 */
export function checkRevision(record: FailureRecord, expectedRevision: number | null): void {
  const wanted = expectedRevision === null ? 1 : expectedRevision + 1;
  if (record.lab.revision === wanted) return;
  const rule =
    expectedRevision === null
      ? 'a new record carries revision 1'
      : `a replacement of revision ${expectedRevision} carries revision ${wanted}`;
  throw new ContractViolationError({
    recordKey: record.failure_id,
    message: `record to store has lab.revision ${record.lab.revision}; ${rule}`,
  });
}
