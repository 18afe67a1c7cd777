import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { queryAll } from './trace-store-contract.ts';

/** Starts a writer process and SIGKILLs it once it has acknowledged `acks` records. */
function writeUntilKilled(dir: string, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'test/fixtures/files-writer.ts'), dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      acked.push(...lines);
      if (acked.length >= acks && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited ${code}: ${stderr}`)),
    );
  });
}

describe('files store under SIGKILL', () => {
  it('keeps every acknowledged record and never leaves a partial record file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'files-crash-'));
    const first = await writeUntilKilled(dir, 300);
    const second = await writeUntilKilled(dir, 150); // Killed again, on top of the first crash's leftovers.
    const acked = [...first, ...second];
    expect(acked.length).toBeGreaterThanOrEqual(450);

    // No partial file: every file in records/ is a complete, valid record named by its key.
    const files = (await readdir(path.join(dir, 'records'))).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const record = TraceRecord.parse(JSON.parse(await readFile(path.join(dir, 'records', file), 'utf8')));
      expect(file).toBe(`${record.failure_id ?? record.trace_id}.json`);
    }
    const store = await FilesStore.open(dir);
    try {
      for (const key of acked) expect(((await store.get(key)) as TraceRecord | undefined)?.trace_id, key).toBeDefined();
      // The index, reconciled on open, finds every record on disk, acknowledged or not.
      expect((await queryAll(store, { limit: 1000 })).length).toBe(files.length);
    } finally {
      await store.close();
    }
  });

  it('several processes opening one fresh folder at once all succeed (none sees "database is locked")', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'files-open-'));
    const open = () =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [path.join(ROOT, 'test/fixtures/files-opener.ts'), dir], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', () => resolve(out));
      });
    const outputs = await Promise.all(Array.from({ length: 6 }, open));
    expect(outputs).toEqual(Array.from({ length: 6 }, () => 'ok\n'));
    expect((await readdir(path.join(dir, 'records'))).length).toBe(120);
  });
});
