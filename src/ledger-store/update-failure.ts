import { isDeepStrictEqual } from 'node:util';
import type { FailureRecord } from '../contracts/failure-record.ts';
import { ConflictError } from '../errors/conflict-error.ts';
import { UsageError } from '../errors/usage-error.ts';
import type { FailureLedger } from './failure-ledger.ts';

/** How an automated writer retries a change that lost a compare-and-swap. */
export interface UpdateOptions {
  /** Read-apply-replace rounds in all, the first included (default 10). */
  attempts?: number;
}

/**
 * Applies a change to a stored failure record through compare-and-swap: read it, apply `change`
 * to a copy, bump lab.revision, and replace it on the revision read. When another writer got in
 * first (ConflictError), read it again and reapply, up to `attempts` rounds; the last
 * ConflictError is thrown when they are spent. Returns the record as stored. `change` may run
 * several times, each time on the newest record, so it must depend on nothing else that changes.
 * A change that leaves the record as it is writes nothing (the revision stays): a change already
 * applied by another writer, or by an earlier attempt of the same build, is not applied twice.
 *
 * Rounds follow each other at once, without backoff: a round is lost only when another update
 * landed since its read, so the writers as a whole always progress, and an update that yields to
 * at most K others lands within K + 1 rounds.
 */
export async function updateFailure(
  ledger: FailureLedger,
  failureId: string,
  change: (current: FailureRecord) => FailureRecord,
  { attempts = 10 }: UpdateOptions = {},
): Promise<FailureRecord> {
  let lost: ConflictError | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await ledger.get(failureId);
    if (current === undefined)
      throw new UsageError({ message: `no failure record ${failureId} in the ${ledger.name} ledger` });
    const revision = current.lab.revision;
    const changed = change(structuredClone(current));
    if (isDeepStrictEqual(changed, current)) return current;
    if (changed.failure_id !== failureId)
      throw new UsageError({
        message: `failure ${failureId}: a change may not give the record another failure_id (${changed.failure_id})`,
      });
    const next: FailureRecord = { ...changed, lab: { ...changed.lab, revision: revision + 1 } };
    try {
      await ledger.replace(next, revision);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      lost = error;
    }
  }
  throw lost ?? new UsageError({ message: `updateFailure needs at least one attempt, got ${attempts}` });
}
