import { ConflictError } from '../errors/conflict-error.ts';

// The ConflictErrors of the ledger, in the same words in every backend.

/** A compare-and-swap lost: the stored revision is not the one the caller read. */
export function staleRevision(failureId: string, stored: number, expected: number): ConflictError {
  return new ConflictError({
    recordKey: failureId,
    message: `stored revision is ${stored}, not ${expected}: the record changed since it was read; nothing was written (read it again and reapply the change)`,
  });
}

/** A replace found no record to replace. */
export function missingRecord(failureId: string): ConflictError {
  return new ConflictError({
    recordKey: failureId,
    message: 'there is no record to replace (never created, or removed); nothing was written',
  });
}

/** A create found a record with its failure_id. */
export function existingRecord(failureId: string): ConflictError {
  return new ConflictError({
    recordKey: failureId,
    message: 'a record with this failure_id exists already; nothing was written',
  });
}

/** A conditional write found the record changed between the read of its revision and the write. */
export function changedSinceRead(failureId: string): ConflictError {
  return new ConflictError({
    recordKey: failureId,
    message:
      'the record changed while it was being replaced; nothing was written (read it again and reapply the change)',
  });
}
