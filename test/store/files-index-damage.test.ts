import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { makeRecord } from '../helpers/records.ts';
import { queryAll } from './trace-store-contract.ts';

/** 16 KB of random bytes into a file, past SQLite's 100-byte header. */
async function garble(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  await handle.write(randomBytes(16 * 1024), 0, 16 * 1024, 100);
  await handle.close();
}

/** Every record of a ledger query, page after page. */
async function allFailures(ledger: FilesLedger, query = {}) {
  const out = [];
  let cursor: string | null = null;
  do {
    const page = await ledger.query({ ...query, limit: 7, cursor });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** A store folder holding `n` runs of build b-1 (and their index). */
async function storeWithRuns(n: number): Promise<{ dir: string; keys: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'index-damage-'));
  const store = await FilesStore.open(dir, { warn: () => {} });
  const records = Array.from({ length: n }, (_, i) =>
    makeRecord({ kind: i % 2 ? 'timeout' : undefined, buildId: 'b-1' }),
  );
  expect((await store.putMany(records)).every((o) => o.stored)).toBe(true);
  await store.close();
  return { dir, keys: records.map(recordKey).sort() };
}

/** A store folder whose ledger holds `n` OPEN failure records. */
async function ledgerWithFailures(n: number): Promise<{ dir: string; ids: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ledger-damage-'));
  const ledger = await FilesLedger.open(dir, { warn: () => {} });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const record = makeFailureRecord({ timestamp: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z` });
    await ledger.create(record);
    ids.push(record.failure_id);
  }
  await ledger.close();
  return { dir, ids: ids.sort() };
}

describe('files store: a damaged or inconsistent index is detected, set aside and rebuilt from the files', () => {
  it('16 KB of garbage past the header: the next writer says so on stderr, keeps the old index, and loses nothing', async () => {
    const { dir, keys } = await storeWithRuns(39);
    await garble(path.join(dir, 'index.sqlite'));
    const lines: string[] = [];
    const store = await FilesStore.open(dir, { warn: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^files store: the index .*index\.sqlite was damaged \(.+\); set aside as index\.sqlite\.damaged-\S+ and rebuilt from the record files \(39 records\)$/,
    );
    expect((await queryAll(store, { build_id: 'b-1' })).map(recordKey).sort()).toEqual(keys);
    // The next capture's runs are stored and indexed.
    const more = [makeRecord({ buildId: 'b-2' }), makeRecord({ kind: 'timeout', buildId: 'b-2' })];
    expect((await store.putMany(more)).every((o) => o.stored)).toBe(true);
    expect(await queryAll(store, { build_id: 'b-2' })).toHaveLength(2);
    await store.close();
    expect((await readdir(dir)).filter((f) => f.startsWith('index.sqlite.damaged-'))).toHaveLength(1);
    // Healed: the next open finds nothing to say.
    const again: string[] = [];
    const reopened = await FilesStore.open(dir, { warn: (l) => again.push(l) });
    expect(await queryAll(reopened, { limit: 500 })).toHaveLength(41);
    expect(again).toEqual([]);
    await reopened.close();
  });

  it('a reader of a damaged index writes nothing: it reads the files, says so, and leaves the repair to the next writer', async () => {
    const { dir, keys } = await storeWithRuns(12);
    await garble(path.join(dir, 'index.sqlite'));
    const before = await readFile(path.join(dir, 'index.sqlite'));
    const lines: string[] = [];
    const store = await FilesStore.open(dir, { mode: 'read', warn: (l) => lines.push(l) });
    expect((await queryAll(store, { build_id: 'b-1' })).map(recordKey).sort()).toEqual(keys);
    await store.close();
    expect(lines).toEqual([expect.stringMatching(/is damaged .*this command reads the record files instead/)]);
    expect(await readFile(path.join(dir, 'index.sqlite'))).toEqual(before);
    // Nothing set aside or created but SQLite's own empty WAL and shared-memory files, when the folder allows them.
    expect((await readdir(dir)).filter((f) => !/^index\.sqlite-(wal|shm)$/.test(f)).sort()).toEqual([
      'index.sqlite',
      'records',
      'tmp',
    ]);
  });

  it('a row with a wrong build_id is found by its checksum: the index is rebuilt and the build has all its runs', async () => {
    const { dir, keys } = await storeWithRuns(50);
    const db = new DatabaseSync(path.join(dir, 'index.sqlite'));
    db.prepare("UPDATE entries SET build_id = 'elsewhere' WHERE key = ?").run(keys[0]!);
    db.close();
    const lines: string[] = [];
    const store = await FilesStore.open(dir, { warn: (l) => lines.push(l) });
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `was damaged \\(1 row disagrees with its checksum \\(record ${keys[0]}, build_id "elsewhere"\\)\\); set aside`,
        ),
      ),
    ]);
    expect((await queryAll(store, { build_id: 'b-1' })).map(recordKey).sort()).toEqual(keys);
    await store.close();
  });
});

describe('files ledger: a damaged or inconsistent index is detected, set aside and rebuilt from the files', () => {
  it('16 KB of garbage past the header: the next build records its failures, and the old ones are all found', async () => {
    const { dir, ids } = await ledgerWithFailures(11);
    await garble(path.join(dir, 'failures', 'index.sqlite'));
    const lines: string[] = [];
    const ledger = await FilesLedger.open(dir, { warn: (l) => lines.push(l) });
    expect(lines).toEqual([
      expect.stringMatching(
        /^files ledger: the index .*index\.sqlite was damaged \(.+\); set aside as index\.sqlite\.damaged-\S+ and rebuilt from the failure files \(11 records\)$/,
      ),
    ]);
    const next = Array.from({ length: 11 }, () => makeFailureRecord({ build_id: 'build-2' }));
    for (const r of next) await ledger.create(r);
    expect((await allFailures(ledger, { build_id: 'build-1' })).map((r) => r.failure_id).sort()).toEqual(ids);
    expect(await allFailures(ledger, { build_id: 'build-2' })).toHaveLength(11);
    await ledger.close();
    expect((await readdir(path.join(dir, 'failures'))).some((f) => f.startsWith('index.sqlite.damaged-'))).toBe(true);
  });

  it('a row saying RESOLVED for an OPEN record is found by its checksum: OPEN lists it again, RESOLVED does not', async () => {
    const { dir, ids } = await ledgerWithFailures(6);
    const db = new DatabaseSync(path.join(dir, 'failures', 'index.sqlite'));
    db.prepare("UPDATE failures SET status = 'RESOLVED' WHERE failure_id = ?").run(ids[0]!);
    db.close();
    // A reader already refuses to believe the row, and says the index is damaged.
    const readLines: string[] = [];
    const reader = await FilesLedger.open(dir, { mode: 'read', warn: (l) => readLines.push(l) });
    expect(await allFailures(reader, { status: 'RESOLVED' })).toEqual([]);
    expect((await allFailures(reader, { status: 'OPEN' })).map((r) => r.failure_id).sort()).toEqual(ids);
    await reader.close();
    expect(readLines).toEqual([
      expect.stringMatching(/status RESOLVED\)\); this command reads the failure files instead/),
    ]);
    // The next writer rebuilds it.
    const lines: string[] = [];
    const ledger = await FilesLedger.open(dir, { warn: (l) => lines.push(l) });
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`1 row disagrees with its checksum \\(failure ${ids[0]}, status RESOLVED\\)`)),
    ]);
    expect(await allFailures(ledger, { status: 'RESOLVED' })).toEqual([]);
    expect((await allFailures(ledger, { status: 'OPEN' })).map((r) => r.failure_id).sort()).toEqual(ids);
    await ledger.close();
  });
});
