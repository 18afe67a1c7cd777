import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaksOf, readTree, startOtlpReceiver } from '../helpers/secret-canary.ts';
import { type CliRun, runCli } from '../helpers/run-cli.ts';

/**
 * Canaries of letters that occur nowhere else in what the lab writes (no hex, no words of its
 * own), so any 8 of their characters in a row found anywhere is a leak. Two hold a quote and a
 * backslash; the last two are the keys the shipped hostile-leaks-secrets scenario has the model
 * send, one streamed 16 characters a chunk, one at the start of a reply that is not JSON.
 */
const CANARIES = {
  OPENAI_API_KEY: 'sk-ZqOpenWvXyKpRtQmNz',
  COSMOS_KEY: 'ZqCosmosKeyWv"Xy\\KpRtQm==',
  LAB_REDACT: [
    'ZqListedOneWvXyKpRt',
    'ZqListedTwo"Wv\\XyKpRt',
    'sk-ZqStreamWv"Xy\\Kp7RtQm',
    'sk-ZqLeadWvXyKp7RtQmNz',
  ].join(','),
};
const SECRETS = [CANARIES.OPENAI_API_KEY, CANARIES.COSMOS_KEY, ...CANARIES.LAB_REDACT.split(',')];

describe('the secrets canary', () => {
  it('finds no secret, whole, escaped, quoted in part or split across chunks, in anything the lab writes', async () => {
    const otlp = await startOtlpReceiver();
    const dir = await mkdtemp(path.join(tmpdir(), 'lab-store-'));
    const out = await mkdtemp(path.join(tmpdir(), 'lab-out-'));
    const env = { ...CANARIES, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint };
    const store = ['--store', 'files', '--dir', dir];
    const runs: CliRun[] = [];
    const cli = async (args: string[], code = 0) => {
      const run = await runCli(args, { env });
      expect(run.code, `${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(code);
      runs.push(run);
      return run;
    };
    try {
      await cli([
        'capture',
        ...store,
        '--filter',
        'leak',
        '--record-replies',
        '--report',
        path.join(out, 'capture.html'),
      ]);
      await cli(['capture', '--filter', 'leak', '--isolation', 'worker', '--record-replies', '--json']);
      const ndjson = await cli(['export', ...store]);
      await cli(['export', ...store, '--format', 'trail']);
      const list = await cli(['failures', 'list', ...store, '--json']);
      const [failure] = list.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { failure_id: string });
      await cli(['failures', 'show', failure!.failure_id, ...store]);
      const repro = path.join(out, 'repro.json');
      await cli(['failures', 'reproduce', failure!.failure_id, ...store, '--out', repro]);
      await cli(['report', ...store, '--format', 'html', '--out', path.join(out, 'report.html')]);
      await cli(['report', ...store, '--format', 'md']);
      await cli(['report', ...store, '--format', 'md', '--period', 'monthly', '--out', path.join(out, 'monthly.md')]);
      await cli(['analytics', ...store]);

      // What the secrets were planted in was recorded: the streamed reply, the parse error, the replay.
      expect(ndjson.stdout).toContain('text/event-stream');
      expect(ndjson.stdout).toContain('is not valid JSON');
      expect(await readFile(repro, 'utf8')).toContain('[REDACTED]');
      expect(otlp.bodies.length).toBeGreaterThan(0);

      const everything = [
        ...runs.flatMap((r) => [r.stdout, r.stderr]),
        await readTree(dir),
        await readTree(out),
        ...otlp.bodies,
      ].join('\n');
      expect(everything).toContain('[REDACTED]');
      expect(leaksOf(everything, SECRETS)).toEqual([]);
    } finally {
      await otlp.close();
    }
  }, 180_000);

  it('failures reproduce redacts the file it writes, even from a record stored before the secret was configured', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lab-store-'));
    const store = ['--store', 'files', '--dir', dir];
    // Captured with no secret configured: the scenario's keys are stored as they are.
    const capture = await runCli(['capture', ...store, '--filter', 'leak', '--record-replies']);
    expect(capture.code, capture.stderr).toBe(0);
    const list = await runCli(['failures', 'list', ...store, '--json']);
    const { failure_id } = JSON.parse(list.stdout.trim().split('\n')[0]!) as { failure_id: string };
    const keys = SECRETS.slice(-2);
    const repro = path.join(dir, 'repro.json');
    const run = await runCli(['failures', 'reproduce', failure_id, ...store, '--out', repro], {
      env: { LAB_REDACT: keys.join(',') },
    });
    expect(run.code, run.stderr).toBe(0);
    const text = await readFile(repro, 'utf8');
    expect(text).toContain('[REDACTED]');
    expect(leaksOf(text + run.stdout + run.stderr, keys)).toEqual([]);
  }, 120_000);
});
