import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, ROOT, runCli, runMain } from '../helpers/run-cli.ts';

// What a new user trips over on a fresh clone (issue 23), and the exit codes of bad reading
// commands (issue 24): each through the real CLI. What it prints and its exit codes are checked on
// its main() in this process (runMain); real processes where the process is the point: the hints
// as a user pastes them into a shell, two shards writing to one folder at once, and .env loading.

/** Runs a hint the CLI printed (`npm run lab -- ...`) through a POSIX shell, as a user would paste it. */
function runHint(hint: string, cwd: string): Promise<CliRun> {
  const args = hint.replace(/^npm run lab -- /, '');
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', `"${process.execPath}" "${path.join(ROOT, 'src/cli/main.ts')}" ${args}`],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          stdout,
          stderr,
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          ms: performance.now() - started,
        }),
    );
  });
}

/** Every `npm run lab -- ...` command a capture printed, to the end of its line. */
const hintsIn = (text: string) => [...text.matchAll(/npm run lab -- [^\n]*?(?=,? or |$)/gm)].map((m) => m[0]);

const NOTE = /the memory store holds nothing from an earlier process.*--store files/;

describe('what a newcomer trips over', { timeout: 180_000 }, () => {
  let work: string;
  let scenarios: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'lab-newcomer-'));
    scenarios = path.join(work, 'scenarios');
    await mkdir(scenarios);
    for (const id of ['calculator-correct', 'extractor-rate-limited'])
      await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(scenarios, `${id}.json`));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('every reading command on the memory store says it holds nothing from an earlier process', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const cases: [string[], number][] = [
      [['failures', 'list'], 0],
      [['export'], 0],
      [['report', '--format', 'md'], 0],
      [['report', '--format', 'html'], 0],
      [['analytics', '--out', path.join(work, 'analytics')], 0],
      [['failures', 'show', id], 2],
      [['failures', 'reproduce', id], 2],
    ];
    for (const [args, code] of cases) {
      const r = await runMain(args, { cwd: work });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(NOTE);
    }
    // A persistent store gets no such note.
    await runMain(['capture', '--scenarios', scenarios, '--store', 'files', '--dir', 'kept', '--no-ledger'], {
      cwd: work,
    });
    const files = await runMain(['failures', 'list', '--store', 'files', '--dir', 'kept'], { cwd: work });
    expect(files.code).toBe(0);
    expect(files.stderr).not.toMatch(/memory store/);
  });

  it('a mismatch prints its failure message and where its evidence is, and every hint capture prints works as printed (--dir with a space, shards, merge)', async () => {
    const mismatched = path.join(work, 'mismatched');
    await mkdir(mismatched);
    const text = await readFile(path.join(ROOT, 'scenarios', 'extractor-rate-limited.json'), 'utf8');
    await writeFile(
      path.join(mismatched, 'wrong-expectation.json'),
      text
        .replace('"id": "extractor-rate-limited"', '"id": "wrong-expectation"')
        .replace('"expected": "exception"', '"expected": "timeout"'),
    );
    const dir = ['--store', 'files', '--dir', 'my traces'];
    const capture = await runMain(['capture', '--scenarios', mismatched, ...dir, '--build-id', 'm1'], { cwd: work });
    expect(capture.code, capture.stderr).toBe(1);
    const lines = capture.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('✗'));
    expect(lines[at]).toMatch(/expected timeout +detected exception/);
    expect(lines[at + 1]).toBe('    exception: RateLimitError: 429 scripted fault: HTTP 429');
    expect(lines[at + 2]).toMatch(
      /^ {4}evidence: npm run lab -- export --failure-id [0-9a-f-]{36} --store files --dir 'my traces'$/,
    );

    const shards = await Promise.all(
      ['1/2', '2/2'].map((shard) =>
        runCli(['capture', '--scenarios', scenarios, ...dir, '--build-id', 's1', '--shard', shard], { cwd: work }),
      ),
    );
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const hints = [...hintsIn(capture.stdout), ...shards.flatMap((s) => hintsIn(s.stdout))];
    expect(hints.map((h) => h.split(' ')[4])).toEqual(['export', 'merge', 'merge']);
    for (const hint of hints) {
      const r = await runHint(hint, work);
      expect(r.code, `${hint}\n${r.stderr}`).toBe(0);
      if (hint.includes(' export ')) expect(r.stdout).toContain(hint.match(/--failure-id (\S+)/)![1]!);
      else expect(r.stdout).toMatch(/2 runs: 2 as expected, 0 mismatched/);
    }
  });

  it('a second capture summarizes its escalations in one line per recipient', async () => {
    const env = { LAB_BUILD_OWNER: 'owner@example.com' };
    const args = ['capture', '--scenarios', scenarios, '--store', 'files', '--dir', 'escalations'];
    await runMain([...args, '--build-id', 'e1'], { cwd: work, env });
    const second = await runMain([...args, '--build-id', 'e2'], { cwd: work });
    expect(second.code, second.stderr).toBe(0);
    const escalated = second.stdout.split('\n').filter((l) => /escalat|occurrence/.test(l));
    expect(escalated).toEqual([
      'escalated: 1 failure to the build owner (not configured: set LAB_BUILD_OWNER); each is in --json, failures list and the report',
    ]);
    // The details stay in --json.
    const json = await runMain([...args, '--build-id', 'e3', '--json'], {
      cwd: work,
      env: { LAB_ESCALATION_CONTACT: 'lead@example.com' },
    });
    const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)!).summary;
    expect(summary.ledger.escalations.list).toEqual([
      expect.objectContaining({ level: 'escalation_contact', to: 'lead@example.com', occurrence: 3 }),
    ]);
  });

  it('loads .env only when it exists, silently; the npm scripts leave it to the CLI', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
    expect(JSON.stringify(pkg.scripts)).not.toMatch(/env-file/);
    const quiet = await mkdtemp(path.join(work, 'no-env-'));
    const r = await runCli(['scenarios', '--scenarios', scenarios], { cwd: quiet });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    await writeFile(path.join(quiet, '.env'), 'LAB_STORE=nowhere\n');
    const loaded = await runCli(['failures', 'list'], { cwd: quiet });
    expect(loaded.code).toBe(2);
    expect(loaded.stderr).toMatch(/unknown store "nowhere"/);
    // A variable set in the environment wins over the file.
    expect((await runCli(['failures', 'list'], { cwd: quiet, env: { LAB_STORE: 'memory' } })).code).toBe(0);
  });

  it('exits 2 for bad input to reading commands, before any work, and never creates a store', async () => {
    await runMain(['capture', '--scenarios', scenarios, '--store', 'files', '--dir', 'read'], { cwd: work });
    const file = path.join(work, 'a-file');
    await writeFile(file, 'x');
    const typo = path.join(work, 'raed');
    const cases: [string[], RegExp][] = [
      [['failures', 'show', 'nope', '--store', 'files', '--dir', 'read'], /"nope" is not a failure id/],
      [['failures', 'show', 'not-a-uuid'], /"not-a-uuid" is not a failure id/],
      [
        ['report', '--format', 'html', '--out', '/missing/dir/x.html'],
        /--out: the folder \/missing\/dir does not exist/,
      ],
      [['report', '--out', '/missing/dir/x.md'], /--out: the folder \/missing\/dir does not exist/],
      [['report', '--format', 'html', '--out', work], /--out: .* is a folder/],
      [['analytics', '--store', 'files', '--dir', 'read', '--out', file], /--out: .*a-file is a file/],
      [['export', '--store', 'files', '--dir', typo], /--dir .*raed: no such folder/],
      [['failures', 'list', '--store', 'files', '--dir', typo], /--dir .*raed: no such folder/],
      [['report', '--format', 'html', '--store', 'files', '--dir', typo], /--dir .*raed: no such folder/],
      [['analytics', '--store', 'files', '--dir', typo], /--dir .*raed: no such folder/],
      [['merge', '--build-id', 'b', '--store', 'files', '--dir', typo], /--dir .*raed: no such folder/],
      [['export', '--store', 'files', '--dir', path.join(ROOT, 'docs')], /not a files store/],
      [['export', '--build-id', 'a b'], /--build-id must be letters/],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(args, { cwd: work });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error/);
    }
    expect(existsSync(typo)).toBe(false);
    // analytics --out onto an existing folder replaces its files.
    const out = path.join(work, 'analytics-out');
    for (let i = 0; i < 2; i++)
      expect(
        (await runMain(['analytics', '--store', 'files', '--dir', 'read', '--out', out], { cwd: work })).code,
      ).toBe(0);
  });

  it('export --build-id selects one build', async () => {
    const args = ['capture', '--scenarios', scenarios, '--store', 'files', '--dir', 'builds', '--no-ledger'];
    for (const build of ['x1', 'x2']) await runMain([...args, '--build-id', build], { cwd: work });
    const r = await runMain(['export', '--store', 'files', '--dir', 'builds', '--build-id', 'x2'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const builds = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).build_id);
    expect(builds).toEqual(['x2', 'x2']);
  });
});
