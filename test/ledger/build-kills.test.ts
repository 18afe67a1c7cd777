// Recording a build is idempotent across processes (docs/ledger-builds.md): a capture rerun with
// its --build-id, two captures of one build at once, and a capture SIGKILLed at random points of
// its ledger commit and then rerun, each leave the ledger exactly as one clean capture does.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { FailureLedger } from '../../src/ledger-store/failure-ledger.ts';
import { openLedger } from '../../src/ledger-store/ledgers.ts';
import { updateFailure } from '../../src/ledger-store/update-failure.ts';
import { gatherReportData } from '../../src/report/gather-report-data.ts';
import { openStore } from '../../src/store/stores.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';

/** Twelve failing scenarios (twelve fingerprints, each run twice) and two controls. */
const SCENARIOS = [
  'calculator-division-by-zero',
  'calculator-misreports-result',
  'extractor-missing-field',
  'extractor-rate-limited',
  'extractor-total-not-in-invoice',
  'planner-unknown-dependency',
  'planner-wrong-shape',
  'qa-cites-missing-doc',
  'qa-fabricated-quote',
  'qa-malformed-body',
  'qa-no-citations',
  'qa-reply-cut-mid-json',
  'calculator-correct',
  'qa-citation-exists',
];
/** Build b1 records this one, which is then resolved, so build b2 has a regression that reopens it. */
const EARLIER = 'qa-cites-missing-doc';
/** SIGKILLs per backend, each at a random point of the commit, before the rerun that completes. */
const KILLS = Number(process.env.LAB_TEST_KILLS ?? 5);
/** Spawning captures on two busy cores takes seconds each: a bound, never a race. */
const TEST_MS = 600_000;

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
let work: string;
beforeAll(async () => {
  cosmos = await startCosmos();
  work = await mkdtemp(path.join(tmpdir(), 'build-kills-'));
  for (const [folder, ids] of [
    ['all', SCENARIOS],
    ['earlier', [EARLIER]],
  ] as const) {
    await mkdir(path.join(work, folder));
    for (const id of ids)
      await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(work, folder, `${id}.json`));
  }
});
afterAll(() => cosmos.close());

type Backend = 'files' | 'cosmos';

/** One ledger (and trace store) of its own: a files folder, or Cosmos containers of their own. */
interface Target {
  backend: Backend;
  dir: string;
  env: NodeJS.ProcessEnv;
}

function newTarget(backend: Backend, endpoint = cosmos.endpoint): Target {
  const name = randomUUID().slice(0, 8);
  return {
    backend,
    dir: path.join(work, `store-${name}`),
    env:
      backend === 'cosmos'
        ? cosmosEnv(endpoint, {
            COSMOS_CONTAINER_FAILURES: `failures-${name}`,
            COSMOS_CONTAINER_TRACES: `traces-${name}`,
          })
        : {},
  };
}

const T1 = '2026-11-02T09:00:00.000Z';
const T2 = '2026-11-03T09:00:00.000Z';

/** Starts a capture process; `done` resolves with its exit code and signal. */
function startCapture(target: Target, build: string, folder: 'all' | 'earlier', now: string) {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'src/cli/main.ts'),
      'capture',
      '--store',
      target.backend,
      '--dir',
      target.dir,
      '--scenarios',
      path.join(work, folder),
      '--repeat',
      '2',
      // None of these scenarios waits on purpose; a generous deadline keeps a busy machine from
      // turning a run into a timeout, which would be a failure of its own in one ledger only.
      '--timeout-ms',
      '120000',
      '--build-id',
      build,
      '--json',
    ],
    {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...target.env, LAB_NOW: now, LAB_BUILD_OWNER: 'alice' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function capture(target: Target, build: string, folder: 'all' | 'earlier', now: string) {
  const run = await startCapture(target, build, folder, now).done;
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!).summary;
}

async function withLedger<T>(target: Target, use: (ledger: FailureLedger) => Promise<T>): Promise<T> {
  const ledger = await openLedger(target.backend, { env: target.env, dir: target.dir });
  try {
    return await use(ledger);
  } finally {
    await ledger.close();
  }
}

async function allRecords(target: Target): Promise<FailureRecord[]> {
  return withLedger(target, async (ledger) => {
    const out: FailureRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await ledger.query({ limit: 500, cursor });
      out.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    return out;
  });
}

/** The runs a report of build b2 shows: the last complete attempt's, or every attempt's. */
async function reportedRuns(target: Target, allAttempts = false) {
  const store = await openStore(target.backend, { env: target.env, dir: target.dir });
  try {
    const data = await gatherReportData({ store, ledger: null, buildId: 'b2', allAttempts });
    const attemptOf = new Map<string, string | null>();
    let cursor: string | null = null;
    do {
      const page: { records: TraceRecord[]; cursor: string | null } = await store.query({
        build_id: 'b2',
        limit: 500,
        cursor,
      });
      for (const run of page.records) attemptOf.set(run.trace_id, run.attempt_id);
      cursor = page.cursor;
    } while (cursor);
    return { runs: data.runs.length, attempts: new Set(data.runs.map((r) => attemptOf.get(r.trace_id))).size };
  } finally {
    await store.close();
  }
}

/**
 * Build b1 (one failure), then that failure resolved, as every ledger of the test starts. Set-up,
 * not under test: its capture runs the CLI's main in this process, with the child's arguments and
 * environment (the processes that matter are build b2's).
 */
async function prepare(target: Target): Promise<void> {
  const run = await runMain(
    [
      'capture',
      '--store',
      target.backend,
      '--dir',
      target.dir,
      '--scenarios',
      path.join(work, 'earlier'),
      '--repeat',
      '2',
      '--timeout-ms',
      '120000',
      '--build-id',
      'b1',
      '--json',
    ],
    { cwd: work, env: { ...target.env, LAB_NOW: T1, LAB_BUILD_OWNER: 'alice' } },
  );
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  await withLedger(target, async (ledger) => {
    const [record] = (await ledger.query({ build_id: 'b1' })).records;
    await updateFailure(ledger, record!.failure_id, (r) => ({ ...r, status: 'RESOLVED' }));
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const SPAN_ID = /\b[0-9a-f]{16}\b/g;

/**
 * The ledger as it is compared: the ids of runs and of their spans (new in every capture)
 * replaced; the records' own ids, derived from build and fingerprint, kept.
 */
function comparable(records: FailureRecord[]): string[] {
  const own = new Set(records.map((r) => r.failure_id));
  return records
    .map((r) =>
      JSON.stringify(r)
        .replace(UUID, (id) => (own.has(id) ? id : '<run id>'))
        .replace(SPAN_ID, '<span id>'),
    )
    .sort();
}

/**
 * Kills a capture's process at its `k`th write to the ledger. files: the `k`th record file
 * renamed into failures/ (the process is then between that rename and its index commit, or just
 * past it). cosmos: the `k`th create or replace in the failures container, killed either before
 * it is forwarded (the write never happens) or once the server has answered (it happened; the
 * answer is lost).
 */
async function killAt(target: Target, k: number, afterWrite: boolean, proxy: LedgerProxy | null) {
  const run = startCapture(
    proxy ? { ...target, env: { ...target.env, COSMOS_ENDPOINT: proxy.endpoint } } : target,
    'b2',
    'all',
    T2,
  );
  let watcher: FSWatcher | null = null;
  const kill = (child: ChildProcess) => child.kill('SIGKILL');
  if (proxy) proxy.arm(k, afterWrite, () => kill(run.child));
  else {
    let seen = 0;
    watcher = watch(path.join(target.dir, 'failures'), (event, name) => {
      if (event === 'rename' && name?.endsWith('.json') && ++seen === k) kill(run.child);
    });
  }
  const ended = await run.done;
  watcher?.close();
  proxy?.disarm();
  return ended;
}

/** A loopback proxy to the Cosmos server that calls `onWrite` at the kth write to a failures container. */
interface LedgerProxy {
  endpoint: string;
  arm(k: number, afterWrite: boolean, onWrite: () => void): void;
  disarm(): void;
  close(): Promise<void>;
}

async function startLedgerProxy(): Promise<LedgerProxy> {
  const target = new URL(cosmos.endpoint);
  let armed: { k: number; afterWrite: boolean; onWrite: () => void; seen: number } | null = null;
  const isLedgerWrite = (req: IncomingMessage) =>
    /\/colls\/failures-[^/]+\/docs/.test(req.url ?? '') &&
    (req.method === 'PUT' ||
      // A query (and its query plan) is a POST too, with the query content type.
      (req.method === 'POST' && !String(req.headers['content-type']).startsWith('application/query+json')));
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let fire: (() => void) | null = null;
    if (armed && isLedgerWrite(req) && ++armed.seen === armed.k) {
      const { onWrite, afterWrite } = armed;
      if (!afterWrite) {
        onWrite();
        return req.socket.destroy();
      }
      fire = onWrite;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          if (fire) {
            fire();
            return req.socket.destroy();
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(body));
        });
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: (k, afterWrite, onWrite) => void (armed = { k, afterWrite, onWrite, seen: 0 }),
    disarm: () => void (armed = null),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe.each(['files', 'cosmos'] as const)('recording one build again (--store %s)', (backend) => {
  it(
    'a rerun, two captures at once, and captures SIGKILLed at random points of the ledger commit then rerun leave the ledger as one clean capture',
    async () => {
      // The clean run: what every other ledger must end up as.
      const clean = newTarget(backend);
      await prepare(clean);
      const first = await capture(clean, 'b2', 'all', T2);
      expect(first.ledger).toMatchObject({
        recorded: 12,
        occurrences: 24,
        repeats: 1,
        regressions: 1,
        already_recorded: 0,
      });
      const expected = comparable(await allRecords(clean));
      expect(expected).toHaveLength(13);

      // The same build again, whole: nothing recorded twice, nothing changed.
      const again = await capture(clean, 'b2', 'all', T2);
      expect(again.ledger).toMatchObject({ recorded: 0, already_recorded: 12 });
      expect(comparable(await allRecords(clean))).toEqual(expected);
      // Its report shows the runs of one attempt; the other attempt's are there to be seen.
      expect(await reportedRuns(clean)).toEqual({ runs: 28, attempts: 1 });
      expect(await reportedRuns(clean, true)).toEqual({ runs: 56, attempts: 2 });
      const report = await runMain(
        [
          'report',
          '--format',
          'html',
          '--store',
          backend,
          '--dir',
          clean.dir,
          '--build-id',
          'b2',
          '--out',
          path.join(work, `${backend}.html`),
        ],
        { env: clean.env, cwd: work },
      );
      expect(report.code, report.stderr).toBe(0);
      expect(report.stderr).toMatch(
        /note: build b2 was captured 2 times; its report shows attempt \S+, the last complete one, and sets aside 28 run\(s\) of the others/,
      );

      // Two captures of the build at once.
      const both = newTarget(backend);
      await prepare(both);
      const [a, b] = await Promise.all([capture(both, 'b2', 'all', T2), capture(both, 'b2', 'all', T2)]);
      expect(a.ledger.recorded + b.ledger.recorded).toBe(12);
      expect(a.ledger.already_recorded + b.ledger.already_recorded).toBe(12);
      expect(comparable(await allRecords(both))).toEqual(expected);
      expect(await reportedRuns(both)).toEqual({ runs: 28, attempts: 1 });

      // Captures killed during the commit, then rerun. Each attempt is killed at a random one of
      // the writes left to make (12 records and the reopening of b1's, less what earlier attempts
      // made); when none is left, a rerun completes the build and the ledger is compared.
      const proxy = backend === 'cosmos' ? await startLedgerProxy() : null;
      const kills: string[] = [];
      try {
        let crashed = newTarget(backend);
        await prepare(crashed);
        const complete = async () => {
          const rerun = await capture(crashed, 'b2', 'all', T2);
          expect(rerun.ledger.recorded + rerun.ledger.already_recorded, kills.join('\n')).toBe(12);
          expect(comparable(await allRecords(crashed)), kills.join('\n')).toEqual(expected);
          expect(await reportedRuns(crashed)).toEqual({ runs: 28, attempts: 1 });
        };
        for (let round = 0; kills.length < KILLS && round < 3 * KILLS; round++) {
          const records = await allRecords(crashed);
          const left =
            12 -
            records.filter((r) => r.build_id === 'b2').length +
            (records.some((r) => r.build_id === 'b1' && r.status === 'RESOLVED') ? 1 : 0);
          if (left === 0) {
            await complete();
            crashed = newTarget(backend);
            await prepare(crashed);
            continue;
          }
          const k = 1 + Math.floor(Math.random() * left);
          const afterWrite = Math.random() < 0.5;
          const ended = await killAt(crashed, k, afterWrite, proxy);
          expect(ended.signal, `write ${k} of ${left}: ${ended.stdout}\n${ended.stderr}`).toBe('SIGKILL');
          kills.push(`write ${k} of ${left}${proxy ? (afterWrite ? ', answer lost' : ', never sent') : ''}`);
        }
        await complete();
      } finally {
        await proxy?.close();
      }
      expect(kills).toHaveLength(KILLS);
      console.info(`${backend}: ${kills.length} kills during the ledger commit:\n  ${kills.join('\n  ')}`);
    },
    TEST_MS,
  );
});
