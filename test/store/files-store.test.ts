import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAXONOMY_VERSION } from '../../src/classify/taxonomy.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { StoreError } from '../../src/errors/store-error.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { readRecord } from '../../src/store/read-record.ts';
import { asVersion1, asVersion3, makeRecord } from '../helpers/records.ts';
import { queryAll, traceStoreContract } from './trace-store-contract.ts';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'files-store-'));

describe('FilesStore', () => {
  traceStoreContract(async () => FilesStore.open(await tempDir()));

  it('keeps one JSON file per record, named by its key, and nothing left in tmp/', async () => {
    const dir = await tempDir();
    const store = await FilesStore.open(dir);
    const failing = makeRecord({ kind: 'timeout' });
    const passing = makeRecord();
    await store.putMany([failing, passing]);
    await store.close();
    expect((await readdir(path.join(dir, 'records'))).sort()).toEqual(
      [`${failing.failure_id}.json`, `${passing.trace_id}.json`].sort(),
    );
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    expect(JSON.parse(await readFile(path.join(dir, 'records', `${failing.failure_id}.json`), 'utf8'))).toEqual(
      failing,
    );
  });

  it('finds records written past the index (a writer killed between rename and index) when reopened', async () => {
    const dir = await tempDir();
    const store = await FilesStore.open(dir);
    await store.put(makeRecord({ kind: 'exception' }));
    await store.close();
    const orphan = makeRecord({ kind: 'exception', subject: 'orphan' });
    await writeFile(path.join(dir, 'records', `${orphan.failure_id}.json`), JSON.stringify(orphan));
    await rm(path.join(dir, 'index.sqlite'));
    await rm(path.join(dir, 'index.sqlite-wal'), { force: true });
    await rm(path.join(dir, 'index.sqlite-shm'), { force: true });
    const reopened = await FilesStore.open(dir);
    expect((await queryAll(reopened)).length).toBe(2);
    expect((await queryAll(reopened, { subject_id: 'orphan' }))[0]).toEqual(orphan);
    await reopened.close();
  });

  it('sets a corrupt index aside and rebuilds it from the record files', async () => {
    const dir = await tempDir();
    const store = await FilesStore.open(dir);
    const records = [makeRecord({ kind: 'timeout' }), makeRecord()];
    await store.putMany(records);
    await store.close();
    await writeFile(
      path.join(dir, 'index.sqlite'),
      'this is not a database, it is what a crash left behind'.repeat(100),
    );
    const reopened = await FilesStore.open(dir);
    expect((await queryAll(reopened)).map((r) => r.trace_id).sort()).toEqual(records.map((r) => r.trace_id).sort());
    expect((await readdir(dir)).some((f) => f.startsWith('index.sqlite.damaged-'))).toBe(true);
    await reopened.close();
  });

  it('refuses on read a record of another schema_version or with unknown fields, naming it', async () => {
    const dir = await tempDir();
    const store = await FilesStore.open(dir);
    const future = { ...makeRecord({ kind: 'exception' }), schema_version: 5 };
    const extra = { ...makeRecord({ kind: 'exception' }), analyst_note: 'x' };
    await writeFile(path.join(dir, 'records', `${future.failure_id}.json`), JSON.stringify(future));
    await writeFile(path.join(dir, 'records', `${extra.failure_id}.json`), JSON.stringify(extra));
    await writeFile(
      path.join(dir, 'records', `00000000-0000-4000-8000-00000000dead.json`),
      '{"schema_version": 1, "trace',
    );
    const v2 = await store.get(future.failure_id!).catch((e: unknown) => e);
    expect(v2).toBeInstanceOf(ContractViolationError);
    expect((v2 as Error).message).toMatch(
      new RegExp(
        `record ${future.failure_id}: stored record breaks the TraceRecord contract \\(schema_version 5; this lab writes version 4 and reads 1 to 4\\)`,
      ),
    );
    expect(((await store.get(extra.failure_id!).catch((e: unknown) => e)) as Error).message).toContain('analyst_note');
    expect(
      ((await store.get('00000000-0000-4000-8000-00000000dead').catch((e: unknown) => e)) as Error).message,
    ).toContain('is not valid JSON');
    await store.close();
  });

  it('reads a record of schema_version 2, written before attempts were recorded, as the current version with attempt_id null', async () => {
    const dir = await tempDir();
    const record = makeRecord({ kind: 'timeout', buildId: 'b' });
    const { attempt_id: _, ...v2 } = { ...(asVersion3(record) as typeof record), schema_version: 2 };
    await mkdir(path.join(dir, 'records'), { recursive: true });
    await writeFile(path.join(dir, 'records', `${record.failure_id}.json`), JSON.stringify(v2));
    const store = await FilesStore.open(dir);
    expect(await store.get(record.failure_id!)).toEqual({ ...record, attempt_id: null });
    expect(() => readRecord(v2, 'k', 'write')).toThrow(/schema_version 2; this lab writes version 4/);
    await store.close();
  });

  it('reads a record of schema_version 3, written before injected faults were recorded, as version 4 with injected_faults []', async () => {
    const dir = await tempDir();
    const record = makeRecord({ kind: 'exception', buildId: 'b' });
    const v3 = asVersion3(record);
    await mkdir(path.join(dir, 'records'), { recursive: true });
    await writeFile(path.join(dir, 'records', `${record.failure_id}.json`), JSON.stringify(v3));
    const store = await FilesStore.open(dir);
    const back = await store.get(record.failure_id!);
    expect(back).toEqual(record);
    expect(Object.keys(back!)).toEqual(Object.keys(record));
    expect(() => readRecord(v3, 'k', 'write')).toThrow(/schema_version 3; this lab writes version 4/);
    // A version 3 record with the field is not version 3: refused, never coerced.
    expect(() => readRecord({ ...v3, injected_faults: [] }, 'k')).toThrow(/injected_faults/);
    await store.close();
  });

  it('reads a record of schema_version 1, written by an earlier lab, as the current version (and queries find it)', async () => {
    const dir = await tempDir();
    const record = makeRecord({ kind: 'timeout' });
    await mkdir(path.join(dir, 'records'), { recursive: true });
    await writeFile(path.join(dir, 'records', `${record.failure_id}.json`), JSON.stringify(asVersion1(record)));
    const store = await FilesStore.open(dir);
    const back = await store.get(record.failure_id!);
    expect(back).toMatchObject({
      schema_version: 4,
      build_id: null,
      attempt_id: null,
      replay: null,
      injected_faults: [],
      failure: {
        schema_version: 3,
        location: { step_index: null, turn: null },
        // Labelled on the way up by the rule table of today (src/contracts/migrate-v1.ts).
        taxonomy: { version: TAXONOMY_VERSION },
      },
    });
    expect(await queryAll(store, { kind: 'timeout' })).toEqual([back]);
    await store.close();
  });

  it('builds a new index over an index of an older version (without build_id) from the record files', async () => {
    const dir = await tempDir();
    const store = await FilesStore.open(dir);
    const record = makeRecord({ kind: 'exception', buildId: 'b-1' });
    await store.put(record);
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path.join(dir, 'index.sqlite'));
    db.exec(
      'DROP TABLE entries; CREATE TABLE entries (key TEXT PRIMARY KEY, record_type TEXT NOT NULL, kind TEXT, subject_id TEXT, scenario_id TEXT, started_at TEXT NOT NULL) WITHOUT ROWID; PRAGMA user_version = 2;',
    );
    db.close();
    const reopened = await FilesStore.open(dir);
    expect((await queryAll(reopened, { build_id: 'b-1' })).map((r) => r.failure_id)).toEqual([record.failure_id]);
    await reopened.close();
  });

  it('refuses keys that are not record keys, so no path can escape the folder', async () => {
    const store = await FilesStore.open(await tempDir());
    await expect(store.get('../../etc/passwd')).rejects.toBeInstanceOf(StoreError);
    await store.close();
  });

  it('reports a record that breaks the contract as not stored, and stores the rest', async () => {
    const store = await FilesStore.open(await tempDir());
    const good = makeRecord();
    const bad = { ...makeRecord({ kind: 'exception' }), schema_version: 5 } as never;
    const outcomes = await store.putMany([good, bad]);
    expect(outcomes[0]).toEqual({ key: good.trace_id, stored: true });
    expect(outcomes[1]).toMatchObject({ stored: false, error: expect.stringContaining('schema_version') });
    expect(await queryAll(store)).toHaveLength(1);
    await store.close();
  });
});
