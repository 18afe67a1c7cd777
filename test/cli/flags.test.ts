import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { ROOT, runCli, runMain } from '../helpers/run-cli.ts';

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const tempDir = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));

/** A folder with copies of some shipped scenarios (and any extra files). */
async function scenarioFolder(ids: string[], extra: Record<string, object> = {}): Promise<string> {
  const dir = await tempDir('flags-scenarios-');
  for (const id of ids) await cp(path.join(ROOT, 'scenarios', `${id}.json`), path.join(dir, `${id}.json`));
  for (const [name, value] of Object.entries(extra)) await writeFile(path.join(dir, name), JSON.stringify(value));
  return dir;
}

/** Everything a files store holds, through the export command. */
async function exported(dir: string, ...filters: string[]): Promise<{ records: any[]; stderr: string }> {
  const run = await runMain(['export', '--store', 'files', '--dir', dir, ...filters]);
  expect(run.code, run.stderr).toBe(0);
  return { records: jsonLines(run.stdout), stderr: run.stderr };
}

describe('every documented capture flag and variable, through the CLI', () => {
  it('--timeout-ms overrides every deadline: a 2 s hang is cut at 200 ms and recorded with that deadline', async () => {
    const store = await tempDir('flags-store-');
    const run = await runMain([
      'capture',
      '--store',
      'files',
      '--dir',
      store,
      '--scenarios',
      await scenarioFolder(['qa-model-hangs']),
      '--timeout-ms',
      '200',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const [trace] = (await exported(store, '--type', 'trace_record')).records as TraceRecord[];
    expect(trace!.run.deadline_ms).toBe(200);
    expect(trace!.failure).toMatchObject({ kind: 'timeout', timeout: { source: 'deadline', deadline_ms: 200 } });
    expect(trace!.duration_ms).toBeLessThan(2000);
  });

  it('--workers 1 runs worker runs one at a time; LAB_ISOLATION=worker and LAB_CONCURRENCY choose isolation and concurrency; --workers 3 lets them overlap', async () => {
    const slow = (i: number) => ({
      id: `slow-${i}`,
      subject: 'hostile-agent',
      description: 'sleeps, then throws',
      expected: 'exception',
      input: { behavior: 'reject-after-deadline', delay_ms: 1200 },
    });
    const dir = await scenarioFolder([], { 'slow-1.json': slow(1), 'slow-2.json': slow(2), 'slow-3.json': slow(3) });
    const intervals = async (workers: string) => {
      const store = await tempDir('flags-store-');
      const run = await runMain(
        ['capture', '--store', 'files', '--dir', store, '--scenarios', dir, '--workers', workers, '--json'],
        { env: { LAB_ISOLATION: 'worker', LAB_CONCURRENCY: '3' } },
      );
      expect(run.code, run.stderr).toBe(0);
      const traces = (await exported(store, '--type', 'trace_record')).records as TraceRecord[];
      expect(traces.map((t) => t.run.isolation)).toEqual(['worker', 'worker', 'worker']);
      return traces.map((t) => [Date.parse(t.started_at), Date.parse(t.ended_at)] as const).sort((a, b) => a[0] - b[0]);
    };
    const one = await intervals('1');
    for (let i = 1; i < one.length; i++)
      expect(one[i]![0], 'with --workers 1 a run starts only after the one before ended').toBeGreaterThanOrEqual(
        one[i - 1]![1],
      );
    const three = await intervals('3');
    const overlaps = three.some((a, i) => three.slice(i + 1).some((b) => b[0] < a[1]));
    expect(overlaps, 'with --workers 3 (and concurrency 3) worker runs of 1.2 s each overlap').toBe(true);
    // Six worker runs of 1.2 s, three of them one at a time: the limit is for a hang, not a speed check.
  }, 120_000);

  it('LAB_SCENARIOS chooses the scenario folder, LAB_BUILD_ID the build id (on every run and in the summary)', async () => {
    const store = await tempDir('flags-store-');
    const run = await runMain(['capture', '--store', 'files', '--dir', store, '--json'], {
      env: {
        LAB_SCENARIOS: await scenarioFolder(['qa-cites-missing-doc', 'qa-citation-exists']),
        LAB_BUILD_ID: 'build-from-env',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.at(-1).summary).toMatchObject({ runs: 2, build_id: 'build-from-env' });
    expect(((await exported(store, '--type', 'trace_record')).records as TraceRecord[]).map((t) => t.build_id)).toEqual(
      ['build-from-env', 'build-from-env'],
    );
    const bad = await runMain(['capture', '--store', 'memory', '--build-id', 'no spaces/allowed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--build-id must be letters, digits/);
  });

  it('LAB_REPEAT_WINDOW_DAYS: an earlier occurrence outside the window is not a repeat', async () => {
    const store = await tempDir('flags-store-');
    const dir = await scenarioFolder(['qa-cites-missing-doc']);
    const capture = (now: string, days: string) =>
      runMain(['capture', '--store', 'files', '--dir', store, '--scenarios', dir, '--json'], {
        env: { LAB_NOW: now, LAB_REPEAT_WINDOW_DAYS: days },
      });
    await capture('2026-01-01T00:00:00Z', '90');
    const outside = jsonLines((await capture('2026-01-11T00:00:00Z', '5')).stdout).at(-1).summary;
    expect(outside.ledger).toMatchObject({ recorded: 1, repeats: 0 });
    const inside = jsonLines((await capture('2026-01-12T00:00:00Z', '30')).stdout).at(-1).summary;
    expect(inside.ledger).toMatchObject({ recorded: 1, repeats: 1 });
    const bad = await runMain(['capture', '--store', 'memory', '--scenarios', dir], {
      env: { LAB_REPEAT_WINDOW_DAYS: 'ninety' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('LAB_REPEAT_WINDOW_DAYS must be a whole number of days');
  });

  it('--record-replies keeps every exchange whole, and --no-ledger records no failure', async () => {
    const store = await tempDir('flags-store-');
    const run = await runMain([
      'capture',
      '--store',
      'files',
      '--dir',
      store,
      '--scenarios',
      await scenarioFolder(['weather-tool-error-handled']),
      '--record-replies',
      '--no-ledger',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1).summary.ledger).toBeNull();
    const [trace] = (await exported(store, '--type', 'trace_record')).records as TraceRecord[];
    expect(trace!.replay!.exchanges.length).toBe(trace!.steps.filter((s) => s.type === 'model_call').length);
    expect(trace!.replay!.tool_results.map((t) => [t.tool, t.error === null])).toEqual(
      trace!.steps
        .filter((s) => s.type === 'tool_call')
        .map((s) => [s.type === 'tool_call' && s.tool, s.status === 'ok']),
    );
    const list = await runMain(['failures', 'list', '--store', 'files', '--dir', store]);
    expect(list.stdout).toContain('0 failure records');
  });
});

describe('the other commands', () => {
  it('scenarios: exit 0 and a line per scenario when all are valid, exit 2 naming the file when one is not', async () => {
    const good = await runMain([
      'scenarios',
      '--scenarios',
      await scenarioFolder(['qa-cites-missing-doc', 'planner-valid-plan']),
      '--json',
    ]);
    expect(good.code).toBe(0);
    expect(
      jsonLines(good.stdout)
        .map((l) => l.id)
        .sort(),
    ).toEqual(['planner-valid-plan', 'qa-cites-missing-doc']);
    const bad = await runMain([
      'scenarios',
      '--scenarios',
      await scenarioFolder(['planner-valid-plan'], {
        'broken.json': { id: 'broken', subject: 'nobody', description: 'd', expected: null, input: {} },
      }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.json:\d+ at subject: unknown subject "nobody"/);
  });

  it('export: --failure-id gives everything about one failure, --subject and --scenario select runs', async () => {
    const store = await tempDir('flags-store-');
    const run = await runMain([
      'capture',
      '--store',
      'files',
      '--dir',
      store,
      '--scenarios',
      await scenarioFolder(['recovery-three-level-cascade', 'qa-cites-missing-doc', 'planner-valid-plan']),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const cascade = jsonLines(run.stdout).find((l) => l.scenario === 'recovery-three-level-cascade');
    const about = (await exported(store, '--failure-id', cascade.failure_id)).records;
    expect(about.some((r) => r.trace_id === cascade.trace_id && r.failure_id === cascade.failure_id)).toBe(true);
    expect(about.filter((r) => r.trace_type === 'failure').length).toBeGreaterThan(0);
    expect(about.every((r) => r.trace_id === cascade.trace_id || r.original_trace_id === cascade.trace_id)).toBe(true);
    const bySubject = (await exported(store, '--subject', 'cited-qa')).records;
    expect(bySubject.map((r) => r.scenario_id)).toEqual(['qa-cites-missing-doc']);
    const byScenario = (await exported(store, '--scenario', 'planner-valid-plan')).records;
    expect(byScenario.map((r) => [r.scenario_id, r.detected])).toEqual([['planner-valid-plan', null]]);
    const none = await exported(store, '--scenario', 'no-such-scenario');
    expect(none.records).toEqual([]);
    expect(none.stderr).toContain('exported 0 records');
  });
});

describe('--live, against a second OpenAI-compatible server started here (not the scripted one)', () => {
  let server: Server;
  let url: string;
  const seen: { path: string; authorization: string | undefined; model: unknown }[] = [];
  beforeAll(async () => {
    // Answers every chat completion with one fixed cited answer, as a real endpoint would answer whatever it likes.
    server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const request = JSON.parse(body || '{}') as { model?: unknown };
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, model: request.model });
      const content = JSON.stringify({ answer: 'It was completed in 1889.', citations: ['doc-1'] });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-live',
          object: 'chat.completion',
          created: 1,
          model: request.model,
          choices: [
            { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('talks only to OPENAI_BASE_URL with OPENAI_API_KEY and OPENAI_MODEL, reports mismatches without failing, and never writes the key', async () => {
    const key = 'sk-live-test-key-1234567890';
    const store = await tempDir('flags-live-');
    // A process of its own: everything it prints, the CLI's output or not, is searched for the key.
    const run = await runCli(
      [
        'capture',
        '--live',
        '--store',
        'files',
        '--dir',
        store,
        '--scenarios',
        await scenarioFolder(['qa-cites-missing-doc', 'qa-citation-exists', 'qa-no-citations']),
        '--json',
      ],
      { env: { OPENAI_BASE_URL: url, OPENAI_API_KEY: key, OPENAI_MODEL: 'live-model-x' } },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const summary = lines.pop().summary;
    expect(summary).toMatchObject({ live: true, runs: 3, exit_code: 0 });
    expect(summary.mismatched).toBeGreaterThan(0);
    expect(lines.every((l) => l.detected === null)).toBe(true);
    expect(seen.length).toBe(3);
    expect(
      seen.every(
        (r) => r.path === '/v1/chat/completions' && r.authorization === `Bearer ${key}` && r.model === 'live-model-x',
      ),
    ).toBe(true);
    const traces = (await exported(store, '--type', 'trace_record')).records as TraceRecord[];
    expect(traces.every((t) => t.run.mode === 'live' && t.model.name === 'live-model-x')).toBe(true);
    const written = `${run.stdout}${run.stderr}${JSON.stringify(traces)}${await readFile(path.join(store, 'records', `${traces[0]!.trace_id}.json`), 'utf8').catch(() => '')}`;
    expect(written).not.toContain(key);
    const ledger = await runMain(['failures', 'list', '--store', 'files', '--dir', store, '--json']);
    expect(jsonLines(ledger.stdout).filter((r) => r.lab.source === 'capture')).toEqual([]);
  });

  it('a scenario with a live reply needs --live: without it, capture refuses before anything runs, naming the file and the field', async () => {
    const original = JSON.parse(await readFile(path.join(ROOT, 'scenarios', 'qa-citation-exists.json'), 'utf8'));
    const folder = await scenarioFolder(['qa-no-citations'], {
      'qa-live-429.json': {
        ...original,
        id: 'qa-live-429',
        model: { replies: [{ fault: { status: 429 } }, { live: true }] },
      },
    });
    const run = await runMain(['capture', '--scenarios', folder]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('qa-live-429.json at model.replies[1].live');
    expect(run.stderr).toContain('run with --live');
  });
});

describe('failures reproduce --out', () => {
  it('failures reproduce --out into a folder that does not exist is bad input (exit 2), before anything is read', async () => {
    const out = path.join(await tempDir('flags-out-'), 'missing', 'repro.json');
    const run = await runMain(['failures', 'reproduce', '00000000-0000-4000-8000-000000000000', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--out: the folder ${path.dirname(out)} does not exist`);
    expect(run.stderr).not.toContain('a bug in the lab');
  });
});
