import { existsSync, fstatSync, readlinkSync } from 'node:fs';
import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { makeRecord } from '../helpers/records.ts';

/**
 * Durability observed on Node's own file handles, not on the stores' injected file layer: the
 * stores open with their real defaults, and every `FileHandle#sync()` the process makes is seen
 * (and still done). A no-op planted in the real layer (`src/internal/durable-files.ts`) or in the
 * folder sync (`src/internal/sync-folder.ts`) makes these tests fail.
 */
interface SeenSync {
  /** The synced file or folder, as the kernel names it. */
  target: string;
  /** Its size when synced (a file's content must be whole by then). */
  size: number;
  /** For a folder: which of the watched files were in it when it was synced. */
  present: string[];
}

async function watchRealSyncs(watched: () => string[]): Promise<SeenSync[]> {
  const probe = await open(import.meta.filename, 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: { fd: number }) => Promise<void> };
  await probe.close();
  const original = proto.sync;
  const seen: SeenSync[] = [];
  vi.spyOn(proto, 'sync').mockImplementation(async function (this: { fd: number }) {
    const target = readlinkSync(`/proc/self/fd/${this.fd}`);
    seen.push({ target, size: fstatSync(this.fd).size, present: watched().filter((f) => existsSync(f)) });
    return original.call(this);
  });
  return seen;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(process.platform !== 'linux')('fsync on the real file handles', () => {
  it('a files-store put fsyncs the record whole before it is renamed into place, then fsyncs records/ with it there', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'real-fsync-'));
    const store = await FilesStore.open(dir);
    const record = makeRecord({ kind: 'exception' });
    const final = path.join(dir, 'records', `${recordKey(record)}.json`);
    const seen = await watchRealSyncs(() => [final]);
    await store.put(record);
    vi.restoreAllMocks();
    await store.close();

    const text = JSON.stringify(record);
    const fileSync = seen.find((s) => path.basename(s.target).startsWith(recordKey(record)));
    expect(fileSync, 'the record file was never fsynced').toBeDefined();
    expect(fileSync!.size).toBe(Buffer.byteLength(text));
    expect(fileSync!.present, 'the record was renamed into place before its content was fsynced').toEqual([]);
    const folderSync = seen.find((s) => s.target === path.join(dir, 'records'));
    expect(folderSync, 'records/ was never fsynced').toBeDefined();
    expect(folderSync!.present, 'records/ was fsynced before the rename').toEqual([final]);
    expect(seen.indexOf(fileSync!)).toBeLessThan(seen.indexOf(folderSync!));
  });

  it('a batch fsyncs every record file and the folder once, after the last rename', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'real-fsync-'));
    const store = await FilesStore.open(dir);
    const records = [makeRecord({ kind: 'timeout' }), makeRecord(), makeRecord({ kind: 'exception' })];
    const finals = records.map((r) => path.join(dir, 'records', `${recordKey(r)}.json`));
    const seen = await watchRealSyncs(() => finals);
    await store.putMany(records);
    vi.restoreAllMocks();
    await store.close();

    for (const r of records) {
      const s = seen.find((x) => path.basename(x.target).startsWith(recordKey(r)));
      expect(s?.size, `record ${recordKey(r)} fsynced whole`).toBe(Buffer.byteLength(JSON.stringify(r)));
    }
    const folderSyncs = seen.filter((s) => s.target === path.join(dir, 'records'));
    expect(folderSyncs).toHaveLength(1);
    expect(folderSyncs[0]!.present.sort()).toEqual([...finals].sort());
  });

  it('a ledger write fsyncs the failure record whole, then its folder with the record in it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'real-fsync-'));
    const ledger = await FilesLedger.open(dir);
    const record = makeFailureRecord();
    const seen = await watchRealSyncs(() => [path.join(ledger.dir, `${record.failure_id}.json`)]);
    await ledger.create(record);
    vi.restoreAllMocks();
    await ledger.close();

    const fileSync = seen.find((s) => path.basename(s.target).startsWith(record.failure_id));
    expect(fileSync, 'the failure record was never fsynced').toBeDefined();
    expect(fileSync!.size).toBeGreaterThan(0);
    expect(fileSync!.present).toEqual([]);
    const folderSync = seen.find((s) => s.target === ledger.dir);
    expect(folderSync, 'the ledger folder was never fsynced').toBeDefined();
    expect(folderSync!.present).toHaveLength(1);
  });
});
