import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/capture/batch-writer.ts';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { makeRecord } from '../helpers/records.ts';

/** A memory store that remembers the size of every putMany batch. */
class CountingStore extends MemoryStore {
  readonly batches: number[] = [];
  override putMany(records: readonly LabRecord[]) {
    this.batches.push(records.length);
    return super.putMany(records);
  }
}

describe('BatchWriter', () => {
  it('sends a full batch at once, without waiting for the linger, and the rest when the linger passes', async () => {
    const store = new CountingStore();
    // A linger no test waits out: only a full batch can be sent before the last write's timer.
    const writer = new BatchWriter(store, { maxBatch: 2, lingerMs: 60_000 });
    const [a, b, c] = [makeRecord(), makeRecord({ kind: 'timeout' }), makeRecord({ kind: 'exception' })];
    const first = await Promise.all([writer.write(a), writer.write(b)]);
    expect(first).toEqual([
      { key: recordKey(a), stored: true },
      { key: recordKey(b), stored: true },
    ]);
    expect(store.batches).toEqual([2]);
    expect(await store.get(recordKey(b))).toEqual(b);

    const quick = new BatchWriter(store, { maxBatch: 2, lingerMs: 5 });
    expect(await quick.write(c)).toEqual({ key: recordKey(c), stored: true });
    expect(store.batches).toEqual([2, 1]);
  });

  it('gives each record the outcome the store gave it, never a rejection', async () => {
    const store = new MemoryStore();
    await store.close();
    const writer = new BatchWriter(store, { maxBatch: 2, lingerMs: 5 });
    const record = makeRecord();
    const outcome = await writer.write(record);
    expect(outcome).toMatchObject({ key: recordKey(record), stored: false, error: expect.stringContaining('closed') });
  });
});
