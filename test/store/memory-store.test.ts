import { describe, expect, it } from 'vitest';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { byteJson, MemoryStore } from '../../src/store/memory-store.ts';
import { makeRecord } from '../helpers/records.ts';
import { traceStoreContract } from './trace-store-contract.ts';

describe('MemoryStore', () => {
  traceStoreContract(async () => new MemoryStore());

  it('gives back a record with characters beyond ASCII exactly as it was put (they are held as \\u escapes)', async () => {
    const store = new MemoryStore();
    const record = makeRecord({ kind: 'exception', scenario: 'café – “quoted” 🚀 €12' });
    await store.put(record);
    expect(await store.get(recordKey(record))).toEqual(record);
    const json = byteJson(record);
    expect(json).toMatch(/^[\x00-\x7f]*$/);
    expect(json).toContain('\\u2013');
    expect(JSON.parse(json)).toEqual(record);
    const ascii = makeRecord();
    expect(byteJson(ascii)).toBe(JSON.stringify(ascii));
  });

  it('lets timers run while it stores a large batch', async () => {
    const store = new MemoryStore();
    const records = Array.from({ length: 2000 }, () => makeRecord({ kind: 'timeout' }));
    let timerFiredAt: number | null = null;
    let stored = 0;
    setTimeout(() => {
      timerFiredAt = store.size;
    }, 0);
    const outcomes = await store.putMany(records);
    stored = store.size;
    expect(outcomes.every((o) => o.stored)).toBe(true);
    expect(stored).toBe(2000);
    // The timer ran in the middle of the batch, not after it.
    expect(timerFiredAt).not.toBeNull();
    expect(timerFiredAt!).toBeLessThan(2000);
  });
});
