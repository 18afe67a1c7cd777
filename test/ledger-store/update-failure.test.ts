import { describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import { ConflictError } from '../../src/errors/conflict-error.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { UsageError } from '../../src/errors/usage-error.ts';
import type { FailureLedger } from '../../src/ledger-store/failure-ledger.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { updateFailure } from '../../src/ledger-store/update-failure.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { nextRevision } from './failure-ledger-contract.ts';

const addTag =
  (tag: string) =>
  (r: FailureRecord): FailureRecord => ({ ...r, metadata: { ...r.metadata, tags: [...r.metadata.tags, tag] } });

/** A ledger whose replace runs `before` first: another writer getting in between read and write. */
function interfering(inner: FailureLedger, before: (record: FailureRecord) => Promise<void>): FailureLedger {
  return {
    name: inner.name,
    get: (id) => inner.get(id),
    create: (r) => inner.create(r),
    replace: async (r, expected) => (await before(r), inner.replace(r, expected)),
    query: (q) => inner.query(q),
    close: () => inner.close(),
  };
}

describe('updateFailure', () => {
  it('applies the change, bumps the revision, and returns the record as stored', async () => {
    const ledger = new MemoryLedger();
    const record = makeFailureRecord();
    await ledger.create(record);
    const stored = await updateFailure(ledger, record.failure_id, (r) => ({
      ...r,
      status: 'INVESTIGATING',
      lab: { ...r.lab, revision: 99 },
    }));
    expect(stored).toMatchObject({ status: 'INVESTIGATING', lab: { revision: 2 } });
    expect(await ledger.get(record.failure_id)).toEqual(stored);
  });

  it('writes nothing when the change leaves the record as it is (a change another writer already applied)', async () => {
    const ledger = new MemoryLedger();
    const record = makeFailureRecord();
    await ledger.create(record);
    let replaced = 0;
    const counting = interfering(ledger, async () => void replaced++);
    const tagOnce = (r: FailureRecord) => (r.metadata.tags.includes('once') ? r : addTag('once')(r));
    expect((await updateFailure(counting, record.failure_id, tagOnce)).lab.revision).toBe(2);
    expect(await updateFailure(counting, record.failure_id, tagOnce)).toEqual(await ledger.get(record.failure_id));
    expect(replaced).toBe(1);
    expect((await ledger.get(record.failure_id))!.lab.revision).toBe(2);
  });

  it('reads again and reapplies the change to the newer record after losing a compare-and-swap', async () => {
    const inner = new MemoryLedger();
    const record = makeFailureRecord();
    await inner.create(record);
    let interfered = false;
    const ledger = interfering(inner, async () => {
      if (interfered) return;
      interfered = true;
      await inner.replace(nextRevision(addTag('other')(record)), 1);
    });
    const seen: number[] = [];
    const stored = await updateFailure(
      ledger,
      record.failure_id,
      (r) => (seen.push(r.lab.revision), addTag('mine')(r)),
    );
    expect(seen).toEqual([1, 2]);
    expect(stored.metadata.tags).toEqual(['other', 'mine']);
    expect(stored.lab.revision).toBe(3);
  });

  it('gives up after `attempts` rounds, throwing the last ConflictError', async () => {
    const inner = new MemoryLedger();
    const record = makeFailureRecord();
    await inner.create(record);
    let rounds = 0;
    // Every round, another writer lands first.
    const ledger = interfering(inner, async () => {
      rounds++;
      const current = (await inner.get(record.failure_id))!;
      await inner.replace(nextRevision(current), current.lab.revision);
    });
    await expect(updateFailure(ledger, record.failure_id, addTag('mine'), { attempts: 4 })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(rounds).toBe(4);
    expect((await inner.get(record.failure_id))!.metadata.tags).toEqual([]);
  });

  it('lets any other error through at once, and refuses a missing record or a change of failure_id', async () => {
    const ledger = new MemoryLedger();
    const record = makeFailureRecord();
    await ledger.create(record);
    let calls = 0;
    await expect(
      updateFailure(
        ledger,
        record.failure_id,
        (r) => (calls++, { ...r, severity: 'URGENT' }) as unknown as FailureRecord,
      ),
    ).rejects.toBeInstanceOf(ContractViolationError);
    expect(calls).toBe(1);
    await expect(updateFailure(ledger, '00000000-0000-4000-8000-000000000000', addTag('x'))).rejects.toThrow(
      /no failure record 00000000-0000-4000-8000-000000000000 in the memory ledger/,
    );
    await expect(
      updateFailure(ledger, record.failure_id, (r) => ({ ...r, failure_id: makeFailureRecord().failure_id })),
    ).rejects.toBeInstanceOf(UsageError);
    expect(await ledger.get(record.failure_id)).toEqual(record);
  });
});
