import { afterEach, expect, it } from 'vitest';
import { recordKey, type TraceRecord } from '../../src/contracts/trace-record.ts';
import { StoreError } from '../../src/errors/store-error.ts';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import type { TracePage, TraceQuery, TraceStore } from '../../src/store/trace-store.ts';
import { makeRecord } from '../helpers/records.ts';

/** Every page of a query, following cursors. */
export async function queryAll<R extends LabRecord = TraceRecord>(
  store: TraceStore,
  query: TraceQuery = {},
): Promise<R[]> {
  const out: R[] = [];
  let cursor: string | null = null;
  do {
    const page: TracePage = await store.query({ ...query, cursor });
    out.push(...(page.records as R[]));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The behaviour every TraceStore backend must have; each backend's test file calls this. */
export function traceStoreContract(open: () => Promise<TraceStore>): void {
  let store: TraceStore | undefined;
  const fresh = async () => (store = await open());
  afterEach(async () => {
    await store?.close().catch(() => {});
    store = undefined;
  });

  it('returns an equal record by its key (failure_id, or trace_id for a pass)', async () => {
    const s = await fresh();
    const failing = makeRecord({ kind: 'exception' });
    const passing = makeRecord();
    await s.put(failing);
    await s.put(passing);
    expect(await s.get(failing.failure_id!)).toEqual(failing);
    expect(await s.get(passing.trace_id)).toEqual(passing);
  });

  it('filters runs by build', async () => {
    const s = await fresh();
    const ofA = [makeRecord({ kind: 'timeout', buildId: 'build-a' }), makeRecord({ buildId: 'build-a' })];
    const ofB = makeRecord({ kind: 'exception', buildId: 'build-b' });
    for (const r of [...ofA, ofB, makeRecord()]) await s.put(r);
    expect((await queryAll(s, { build_id: 'build-a' })).map(recordKey).sort()).toEqual(ofA.map(recordKey).sort());
    expect((await queryAll(s, { build_id: 'build-b', kind: 'exception' })).map(recordKey)).toEqual([recordKey(ofB)]);
    expect(await queryAll(s, { build_id: 'build-c' })).toEqual([]);
  });

  it('returns undefined for a missing key', async () => {
    const s = await fresh();
    expect(await s.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('filters by kind, subject, scenario and time, and pages with cursors', async () => {
    const s = await fresh();
    const records = Array.from({ length: 25 }, (_, i) =>
      makeRecord({
        kind: i % 3 === 0 ? 'timeout' : i % 3 === 1 ? null : 'hallucination_flag',
        subject: i < 10 ? 'a' : 'b',
        scenario: `sc-${i % 5}`,
        startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      }),
    );
    for (const r of records) await s.put(r);
    const all = await queryAll(s, { limit: 4 });
    expect(all.map(recordKey).sort()).toEqual(records.map(recordKey).sort());
    expect(new Set(all.map(recordKey)).size).toBe(25);
    expect(all.map((r) => r.started_at)).toEqual([...all.map((r) => r.started_at)].sort());
    expect((await queryAll(s, { kind: 'timeout', limit: 3 })).length).toBe(9);
    expect((await queryAll(s, { kind: 'pass' })).every((r) => r.detected === null)).toBe(true);
    expect((await queryAll(s, { subject_id: 'a' })).length).toBe(10);
    expect((await queryAll(s, { scenario_id: 'sc-0', limit: 2 })).length).toBe(5);
    const windowed = await queryAll(s, { since: records[5]!.started_at, until: records[10]!.started_at });
    expect(windowed.map(recordKey)).toEqual(records.slice(5, 10).map(recordKey));
    const first = await s.query({ limit: 10 });
    expect(first.records).toHaveLength(10);
    expect(first.cursor).not.toBeNull();
  });

  it('treats a second put of the same key as an upsert, never a duplicate', async () => {
    const s = await fresh();
    const record = makeRecord({ kind: 'validation_error' });
    await s.put(record);
    await s.put(record);
    const changed = { ...record, duration_ms: 99 };
    await s.put(changed);
    const all = await queryAll(s);
    expect(all).toHaveLength(1);
    expect(all[0]).toEqual(changed);
  });

  it('keeps every record of many concurrent puts', async () => {
    const s = await fresh();
    const records = Array.from({ length: 60 }, (_, i) => makeRecord({ kind: i % 2 ? 'exception' : null }));
    await Promise.all(records.map((r) => s.put(r)));
    for (const r of records) expect(await s.get(recordKey(r))).toEqual(r);
    expect(await queryAll(s, { limit: 7 })).toHaveLength(60);
  });

  it('refuses work after close', async () => {
    const s = await fresh();
    await s.close();
    await expect(s.put(makeRecord())).rejects.toBeInstanceOf(StoreError);
    await expect(s.get('x')).rejects.toBeInstanceOf(StoreError);
  });
}
