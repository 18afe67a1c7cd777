import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { type DurableFs, realFs } from '../../src/internal/durable-files.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { makeRecord } from '../helpers/records.ts';

/** Real files, with every call logged in order, and marks the test adds ("acknowledged ..."). */
function recordingFs(): { fs: DurableFs; log: string[] } {
  const log: string[] = [];
  const name = (file: string) =>
    `${path.basename(path.dirname(file))}/${path.basename(file).replace(/\.\d+\.[0-9a-f-]+\.tmp$/, '.tmp')}`;
  const fs: DurableFs = {
    async create(file) {
      log.push(`create ${name(file)}`);
      const handle = await realFs.create(file);
      return {
        write: async (text) => (log.push(`write ${name(file)}`), handle.write(text)),
        sync: async () => (await handle.sync(), void log.push(`fsync ${name(file)}`)),
        close: async () => (await handle.close(), void log.push(`close ${name(file)}`)),
      };
    },
    rename: async (from, to) => (await realFs.rename(from, to), void log.push(`rename ${name(from)} -> ${name(to)}`)),
    syncFolder: async (dir) => (await realFs.syncFolder(dir), void log.push(`fsync-folder ${path.basename(dir)}`)),
    remove: async (file) => (await realFs.remove(file), void log.push(`remove ${name(file)}`)),
  };
  return { fs, log };
}

describe('durability, observed call by call', () => {
  it('an acknowledged put wrote a temporary file, fsynced it, renamed it into records/ and fsynced the folder, in that order, before it resolved', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'durable-'));
    const { fs, log } = recordingFs();
    const store = await FilesStore.open(dir, { fs });
    const record = makeRecord({ kind: 'exception' });
    const key = recordKey(record);
    await store.put(record);
    log.push('acknowledged');
    expect(log).toEqual([
      `create tmp/${key}.tmp`,
      `write tmp/${key}.tmp`,
      `fsync tmp/${key}.tmp`,
      `close tmp/${key}.tmp`,
      `rename tmp/${key}.tmp -> records/${key}.json`,
      'fsync-folder records',
      'acknowledged',
    ]);
    expect(JSON.parse(await readFile(path.join(dir, 'records', `${key}.json`), 'utf8'))).toEqual(record);
    await store.close();
  });

  it('a batch fsyncs every file before any rename, and the folder once after the last rename, before it resolves', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'durable-'));
    const { fs, log } = recordingFs();
    const store = await FilesStore.open(dir, { fs });
    const records = [makeRecord({ kind: 'timeout' }), makeRecord(), makeRecord({ kind: 'exception' })];
    const outcomes = await store.putMany(records);
    log.push('acknowledged');
    expect(outcomes.every((o) => o.stored)).toBe(true);
    const at = (entry: string) => log.indexOf(entry);
    for (const record of records) {
      const key = recordKey(record);
      expect(at(`fsync tmp/${key}.tmp`)).toBeGreaterThan(at(`write tmp/${key}.tmp`));
      expect(at(`rename tmp/${key}.tmp -> records/${key}.json`)).toBeGreaterThan(
        Math.max(...records.map((r) => at(`close tmp/${recordKey(r)}.tmp`))),
      );
      expect(at('fsync-folder records')).toBeGreaterThan(at(`rename tmp/${key}.tmp -> records/${key}.json`));
    }
    expect(log.filter((l) => l === 'fsync-folder records')).toHaveLength(1);
    expect(log.at(-1)).toBe('acknowledged');
    await store.close();
  });

  it('a failure record is replaced the same way: temporary file, fsync, rename, folder fsync', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'durable-'));
    const { fs, log } = recordingFs();
    const ledger = await FilesLedger.open(dir, { fs });
    const record = makeFailureRecord();
    await ledger.create(record);
    log.push('acknowledged');
    const id = record.failure_id;
    expect(log).toEqual([
      `create tmp/${id}.tmp`,
      `write tmp/${id}.tmp`,
      `fsync tmp/${id}.tmp`,
      `close tmp/${id}.tmp`,
      `rename tmp/${id}.tmp -> failures/${id}.json`,
      'fsync-folder failures',
      'acknowledged',
    ]);
    await ledger.close();
  });

  it('removes temporary files a killed writer left behind (older than a minute) when it opens, and keeps a fresh one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'durable-'));
    await (await FilesStore.open(dir)).close();
    const stale = path.join(dir, 'tmp', 'dead-writer.123.tmp');
    const fresh = path.join(dir, 'tmp', 'live-writer.456.tmp');
    await writeFile(stale, '{"partial":');
    await writeFile(fresh, '{"partial":');
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(stale, old, old);
    const store = await FilesStore.open(dir);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual(['live-writer.456.tmp']);
    expect((await stat(fresh)).size).toBeGreaterThan(0);
    await store.close();
  });
});
