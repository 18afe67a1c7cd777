import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordKey } from '../../src/contracts/trace-record.ts';
import { FilesLedger } from '../../src/ledger-store/files-ledger.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';
import { makeRecord } from '../helpers/records.ts';
import { type CliRun, ROOT, runMain } from '../helpers/run-cli.ts';

/** The four shapes of a bad record file the audit found: truncated, garbled, empty, of a future schema_version. */
function badFiles(good: object): Record<string, string> {
  const text = JSON.stringify(good);
  return {
    truncated: text.slice(0, Math.floor(text.length / 2)),
    garbled: '\u0000\u00ff{{not json at all',
    empty: '',
    future: JSON.stringify({ ...good, schema_version: 99 }),
  };
}

/** A store folder (0755, so another user can read it) with `runs` runs and `failures` failure records. */
async function storeWith(runs: number, failures: number): Promise<{ dir: string; keys: string[]; ids: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'store-damage-'));
  await chmod(dir, 0o755);
  const store = await FilesStore.open(dir, { warn: () => {} });
  const records = Array.from({ length: runs }, (_, i) =>
    makeRecord({ kind: i % 3 ? null : 'timeout', buildId: 'b-1' }),
  );
  expect((await store.putMany(records)).every((o) => o.stored)).toBe(true);
  await store.close();
  const ledger = await FilesLedger.open(dir, { warn: () => {} });
  const ids: string[] = [];
  for (let i = 0; i < failures; i++) {
    const r = makeFailureRecord({ timestamp: `2026-11-20T00:00:${String(i).padStart(2, '0')}.000Z` });
    await ledger.create(r);
    ids.push(r.failure_id);
  }
  await ledger.close();
  return { dir, keys: records.map(recordKey), ids };
}

/** Writes the four bad shapes into a folder; returns their file paths by shape. */
async function addBad(folder: string, good: object): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [shape, text] of Object.entries(badFiles(good))) {
    files[shape] = path.join(folder, `${randomUUID()}.json`);
    await writeFile(files[shape], text);
  }
  return files;
}

/** Each bad file is named on stderr, and the count closes it. */
function expectNamed(run: CliRun, files: Record<string, string>): void {
  for (const file of Object.values(files)) expect(run.stderr).toContain(`skipped ${file}: `);
  expect(run.stderr).toMatch(/skipped 4 stored records that could not be read \(named above\)/);
  expect(run.code).toBe(1);
}

/** Runs the CLI through a shell that first sets a limit (`ulimit -f`), or as another user. */
function runLimited(
  args: string[],
  { ulimit, uid, script = path.join(ROOT, 'src/cli/main.ts') }: { ulimit?: string; uid?: number; script?: string },
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const main = script;
  const [cmd, argv] =
    ulimit === undefined
      ? [process.execPath, [main, ...args]]
      : ['bash', ['-c', `ulimit ${ulimit} && exec "$0" "$@"`, process.execPath, main, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

describe('readers skip a bad record, name it and count it, and exit 1', () => {
  it('runs: export writes every good record, report writes its page, and both name the 4 bad files', async () => {
    const { dir, keys } = await storeWith(30, 0);
    const bad = await addBad(path.join(dir, 'records'), makeRecord());
    const exported = await runMain(['export', '--store', 'files', '--dir', dir]);
    expect(
      exported.stdout
        .trim()
        .split('\n')
        .map((l) => recordKey(JSON.parse(l)))
        .sort(),
    ).toEqual([...keys].sort());
    expect(exported.stderr).toContain('exported 30 records');
    expectNamed(exported, bad);
    const out = path.join(dir, 'report.html');
    const report = await runMain(['report', '--format', 'html', '--store', 'files', '--dir', dir, '--out', out]);
    expectNamed(report, bad);
    expect(report.stderr).toContain('wrote the HTML report of 30 runs');
    // A bad record that was good when indexed is named the same way.
    await writeFile(path.join(dir, 'records', `${keys[0]}.json`), '{"schema_version": 2, "tra');
    const again = await runMain(['export', '--store', 'files', '--dir', dir]);
    expect(again.stdout.trim().split('\n')).toHaveLength(29);
    expect(again.stderr).toContain(`skipped ${path.join(dir, 'records', `${keys[0]}.json`)}: `);
    expect(again.stderr).toMatch(/skipped 5 stored records/);
    expect(again.code).toBe(1);
  });

  it('ledger: failures list, analytics and report list every good record and name the 4 bad files', async () => {
    const { dir, ids } = await storeWith(0, 8);
    const bad = await addBad(path.join(dir, 'failures'), makeFailureRecord());
    const env = { LAB_NOW: '2026-11-25T00:00:00Z' };
    const list = await runMain(['failures', 'list', '--store', 'files', '--dir', dir, '--json'], { env });
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).failure_id)
        .sort(),
    ).toEqual([...ids].sort());
    expectNamed(list, bad);
    const analytics = await runMain(
      ['analytics', '--store', 'files', '--dir', dir, '--out', path.join(dir, 'analytics'), '--json'],
      { env },
    );
    expectNamed(analytics, bad);
    // The totals count the good records, and the 4 skipped are named, not silently dropped.
    const trends = JSON.parse(await readFile(path.join(dir, 'analytics', 'failure-trends.json'), 'utf8'));
    expect(trends.totals.recorded).toBe(8);
    const weekly = await runMain(['report', '--store', 'files', '--dir', dir], { env });
    expectNamed(weekly, bad);
  });
});

describe('a reading command never creates a store', () => {
  it('export, failures list and report exit 2 naming a folder that holds no store, and create nothing', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'no-store-'));
    const typo = path.join(parent, '.lab-tracse');
    for (const args of [
      ['export', '--store', 'files', '--dir', typo],
      ['failures', 'list', '--store', 'files', '--dir', typo],
      ['report', '--format', 'html', '--store', 'files', '--dir', typo],
    ]) {
      const run = await runMain(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`--dir ${typo}: no such folder`);
    }
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('full and read-only disks', () => {
  it('reads work in a read-only folder, and capture refuses it before running anything (exit 2)', async () => {
    const { dir, keys, ids } = await storeWith(12, 3);
    // Root ignores permissions: the commands then run as nobody, for whom the folder is read-only.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    for (const sub of ['records', 'failures', 'failures/tmp', 'tmp', '']) await chmod(path.join(dir, sub), 0o555);
    try {
      const exported = await runLimited(['export', '--store', 'files', '--dir', dir], { uid });
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout.trim().split('\n')).toHaveLength(keys.length);
      const list = await runLimited(['failures', 'list', '--store', 'files', '--dir', dir, '--json'], { uid });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.trim().split('\n')).toHaveLength(ids.length);
      const capture = await runLimited(
        ['capture', '--store', 'files', '--dir', dir, '--filter', 'rule-calc', '--concurrency', '1'],
        { uid },
      );
      expect(capture.code).toBe(2);
      expect(capture.stderr).toMatch(new RegExp(`cannot write to the store folder ${dir}/tmp \\(E(ACCES|ROFS)`));
      expect(capture.stdout).toBe(''); // Not one scenario ran.
    } finally {
      for (const sub of ['records', 'failures', 'failures/tmp', 'tmp', '']) await chmod(path.join(dir, sub), 0o755);
    }
  });

  it('reads work under a file-size limit of 0 (no file may grow), with every record', async () => {
    const { dir, keys, ids } = await storeWith(20, 4);
    const exported = await runLimited(['export', '--store', 'files', '--dir', dir], { ulimit: '-f 0' });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.trim().split('\n')).toHaveLength(keys.length);
    const list = await runLimited(['failures', 'list', '--store', 'files', '--dir', dir, '--json'], {
      ulimit: '-f 0',
    });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(ids.length);
  });

  it('under a file-size limit, the ledger says which record was written and which was not, and loses none it wrote', async () => {
    const { dir } = await storeWith(0, 0);
    const run = await runLimited([dir, '83'], {
      ulimit: '-f 256',
      script: path.join(ROOT, 'test/fixtures/ledger-filler.ts'),
    });
    const acked = run.stdout.trim().split('\n').filter(Boolean);
    expect(run.code, run.stderr).toBe(1);
    expect(acked.length).toBeGreaterThan(0);
    expect(acked.length).toBeLessThan(83);
    // One line naming the record, what became of it, and why.
    expect(run.stderr).toMatch(
      /^files store, record [0-9a-f-]{36}: (written to \S+\.json, but the ledger's index could not be updated|not written: ).*the disk is full, read-only or over a file-size limit/m,
    );
    const files = (await readdir(path.join(dir, 'failures'))).filter((f) => f.endsWith('.json'));
    const written = run.stderr.includes('written to') ? 1 : 0;
    expect(files).toHaveLength(acked.length + written);
    // Without the limit, the next open indexes what was written: nothing acknowledged is lost.
    const ledger = await FilesLedger.open(dir, { warn: () => {} });
    const page = await ledger.query({ limit: 500 });
    await ledger.close();
    expect(page.records.map((r) => r.failure_id).sort()).toEqual(files.map((f) => f.slice(0, -5)).sort());
    for (const id of acked) expect(files).toContain(`${id}.json`);
  });
});
