import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { openStore } from '../../src/store/stores.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { ROOT, runCli, runMain } from '../helpers/run-cli.ts';
import { queryAll } from '../store/trace-store-contract.ts';

/** Scenarios that between them end every way, a worker-isolated one among them. */
const SCENARIOS = [
  'calculator-correct',
  'calculator-division-by-zero',
  'extractor-429-then-success',
  'extractor-missing-field',
  'extractor-rate-limited',
  'qa-citation-exists',
  'qa-cites-missing-doc',
  'planner-valid-plan',
  'planner-wrong-shape',
  'recovery-three-level-cascade',
  'hostile-process-exit',
];

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
beforeAll(async () => {
  cosmos = await startCosmos();
});
afterAll(() => cosmos.close());

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!);

describe.each(['files', 'cosmos'] as const)('a capture in four shard processes (--store %s)', (store) => {
  it('gives the outcomes of one capture, and merge names a shard missing or run twice', async () => {
    const work = await mkdtemp(path.join(tmpdir(), `shard-${store}-`));
    const scenarios = path.join(work, 'scenarios');
    await mkdir(scenarios);
    for (const id of SCENARIOS)
      await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(scenarios, `${id}.json`));
    // The whole capture and the sharded one each get a store and a ledger of their own, so neither build repeats the other.
    const envOf = (name: string) => ({
      ...(store === 'cosmos'
        ? cosmosEnv(cosmos.endpoint, { COSMOS_CONTAINER_FAILURES: `failures-${name}-${path.basename(work)}` })
        : {}),
      LAB_NOW: '2026-11-02T09:00:00Z',
    });
    const wholeAt = { env: envOf('whole'), dir: path.join(work, 'whole') };
    const shardedAt = { env: envOf('sharded'), dir: path.join(work, 'sharded') };
    // In this process, but for the shards: processes at once, as CI runs them (and captures in one
    // process would wait on each other's synchronous SQLite locks of the files store).
    const lab = (args: string[], at = shardedAt) =>
      runMain([...args, '--store', store, '--dir', at.dir], { env: at.env, cwd: work });
    // None of these scenarios waits on purpose; a generous deadline keeps a busy machine (four
    // captures at once) from turning a run into a timeout in one capture only.
    const captureArgs = (build: string, ...more: string[]) => [
      'capture',
      '--scenarios',
      scenarios,
      '--repeat',
      '2',
      '--timeout-ms',
      '120000',
      '--build-id',
      build,
      '--json',
      ...more,
      '--store',
      store,
      '--dir',
      shardedAt.dir,
    ];
    const shardProcess = (build: string, ...more: string[]) =>
      runCli(captureArgs(build, ...more), { env: shardedAt.env, cwd: work, timeoutMs: 120_000 });

    const whole = await lab(
      ['capture', '--scenarios', scenarios, '--repeat', '2', '--timeout-ms', '120000', '--build-id', 'whole', '--json'],
      wholeAt,
    );
    expect(whole.code, whole.stderr).toBe(0);
    const shards = await Promise.all([1, 2, 3, 4].map((i) => shardProcess('sharded', '--shard', `${i}/4`)));
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const dealt = shards.map((s) => lastJson(s.stdout).shard.runs as number);
    expect(dealt.reduce((a, b) => a + b)).toBe(SCENARIOS.length * 2);
    expect(Math.max(...dealt) - Math.min(...dealt)).toBeLessThanOrEqual(1);

    const merged = await lab(['merge', '--build-id', 'sharded', '--json']);
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    const result = JSON.parse(merged.stdout);
    expect(result.problems).toEqual([]);
    const { duration_ms: _a, build_id: _b, ledger: shardedLedger, ...shardedCounts } = result.summary;
    const { duration_ms: _c, build_id: _d, ledger: wholeLedger, ...wholeCounts } = lastJson(whole.stdout).summary;
    expect(shardedCounts).toEqual(wholeCounts);
    expect({ ...shardedLedger, build_id: '' }).toEqual({ ...wholeLedger, build_id: '' });

    // The same scenario outcomes, run for run.
    const outcomes = async (build: string, at: typeof wholeAt) => {
      const traces = await openStore(store, at);
      try {
        return (await queryAll<TraceRecord>(traces, { build_id: build, limit: 1000 }))
          .map((r) => `${r.scenario_id}#${r.run.repeat_index} ${r.expected ?? 'pass'} ${r.detected ?? 'pass'}`)
          .sort();
      } finally {
        await traces.close();
      }
    };
    expect(await outcomes('sharded', shardedAt)).toEqual(await outcomes('whole', wholeAt));

    // Shard 3 never ran and shard 2 ran twice: merge names both and exits 1.
    for (const code of await Promise.all(
      ['1/4', '2/4', '2/4', '4/4'].map(async (s) => (await shardProcess('broken', '--shard', s)).code),
    ))
      expect(code).toBe(0);
    const broken = await lab(['merge', '--build-id', 'broken']);
    expect(broken.code, broken.stdout).toBe(1);
    expect(broken.stdout).toContain('shard 3/4 did not report');
    expect(broken.stdout).toMatch(/shard 2\/4 reported 2 times/);
    expect(broken.stdout).toContain("the build's failures were not recorded in the ledger");
  }, 300_000);
});

describe('capture --shard and merge refuse what cannot work', () => {
  it('with a message that names the fix', async () => {
    const cases: [string[], RegExp][] = [
      [['capture', '--shard', '1/4', '--store', 'files'], /--shard 1\/4 needs --build-id ID/],
      [['capture', '--shard', '1/4', '--build-id', 'b'], /--shard needs a store every shard writes to/],
      [['capture', '--shard', '5/4', '--build-id', 'b', '--store', 'files'], /--shard must be i\/n/],
      [['merge', '--build-id', 'b'], /merge reads what the shards stored/],
      [['merge', '--store', 'files'], /merge needs --build-id ID/],
    ];
    const work = await mkdtemp(path.join(tmpdir(), 'shard-usage-'));
    for (const [args, message] of cases) {
      const run = await runMain([...args, '--dir', path.join(work, 'traces')], { cwd: work });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
    const none = await runMain(
      ['merge', '--store', 'files', '--dir', path.join(work, 'traces'), '--build-id', 'never-ran'],
      { cwd: work },
    );
    expect(none.code).toBe(2);
    // merge only reads the runs: a folder without a store is named, and nothing is created in it.
    expect(none.stderr).toMatch(/--dir .*traces: no such folder/);
  }, 60_000);
});
