import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-cli.ts';

// The CLI through real processes: capture --report (memory and files stores), report --format html
// and its flags, and report --format md unchanged.
describe('report --format html and capture --report', { timeout: 120_000 }, () => {
  let dir: string;
  const filter = ['--filter', 'extractor-'];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lab-report-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('capture --store memory --report writes the build from the in-process store, which dies with the process', async () => {
    const out = path.join(dir, 'memory.html');
    const r = await runMain(['capture', '--store', 'memory', ...filter, '--build-id', 'mem-1', '--report', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote the HTML report of build mem-1 \(5 runs, \d+ KB\)/);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<h1>Agent failure lab report: build <code>mem-1</code></h1>');
    expect(html).toContain('5 runs from the memory store');
    const body = html.slice(
      html.indexOf('<tbody id="runs-body">'),
      html.indexOf('</tbody>', html.indexOf('<tbody id="runs-body">')),
    );
    expect(body.match(/<th scope="row"><a href="#run=/g)).toHaveLength(5);
    // The ledger the capture recorded into is the one the report reads.
    expect(html).toMatch(/<dt>In this build<\/dt><dd>[1-9]/);
  });

  it('report --format html reads a files store: one build or all, the same bytes twice, and --as-of', async () => {
    const env = { LAB_STORE: 'files', LAB_DIR: path.join(dir, 'store') };
    for (const build of ['b-1', 'b-2'])
      expect((await runMain(['capture', ...filter, '--build-id', build], { env })).code).toBe(0);
    const one = path.join(dir, 'one.html');
    const r = await runMain(['report', '--format', 'html', '--build-id', 'b-2', '--baseline', 'b-1', '--out', one], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote the HTML report of 5 runs \(\d+ KB\) to /);
    const html = await readFile(one, 'utf8');
    expect(html).toContain('<section id="compare"');
    expect(html).toContain('compared with build <code>b-1</code>');
    const again = await runMain(['report', '--format', 'html', '--build-id', 'b-2', '--baseline', 'b-1'], { env });
    expect(`${again.stdout}`).toBe(html);
    const all = await runMain(['report', '--format', 'html', '--as-of', '2030-01-01T00:00:00Z'], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('10 runs from the files store · as of 2030-01-01 00:00:00 UTC');
    expect(all.stdout).not.toContain('(just after the newest record)');
  });

  it('refuses bad flags with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['report', '--format', 'pdf'], /--format must be md or html/],
      [['report', '--format', 'html', '--baseline', 'x'], /--baseline needs --build-id/],
      [['report', '--format', 'html', '--build-id', 'x', '--baseline', 'x'], /--baseline must name another build/],
      [['report', '--build-id', 'x'], /--build-id applies to --format html only/],
      [['report', '--format', 'html', '--build-id', 'a b'], /--build-id must be letters/],
      [['capture', '--report', path.join(dir, 'no-such-folder', 'r.html')], /--report: the folder .* does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('says so when a memory store can hold nothing for the report', async () => {
    const r = await runMain(['report', '--format', 'html', '--store', 'memory']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the memory store holds nothing from an earlier process/);
    expect(r.stdout).toContain('0 runs from the memory store');
  });

  it('report --format md is the weekly Markdown report, as before', async () => {
    const r = await runMain(['report', '--store', 'memory', '--as-of', '2026-01-15T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Weekly failure report\n/);
    const md = await runMain([
      'report',
      '--format',
      'md',
      '--period',
      'monthly',
      '--store',
      'memory',
      '--as-of',
      '2026-01-15T00:00:00Z',
    ]);
    expect(md.stdout).toMatch(/^# Monthly failure trends\n/);
  });

  it('lists the new flags in --help', async () => {
    const report = await runMain(['report', '--help']);
    for (const flag of ['--format F', '--build-id ID', '--baseline ID', '--as-of TIME', '--out FILE', '--period P'])
      expect(report.stdout).toContain(flag);
    const capture = await runMain(['capture', '--help']);
    expect(capture.stdout).toContain('--report FILE');
  });
});
