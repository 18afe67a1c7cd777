// Part 6: captures of 10,000 and 100,000 runs into the files store and into Cosmos, as whole CLI
// processes: runs a second, and peak resident memory, which must not grow with the runs (a
// capture keeps counts, not runs; see the README, "Capture across machines").
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { cosmosEnv } from '../../test/helpers/cosmos-server.ts';
import { type BenchContext, row } from './common.ts';
import { CLI, ROOT, runNode } from './processes.ts';

/** Starts the Cosmos-protocol server in its own process; resolves with its endpoint and a stop. */
async function cosmosProcess(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'cosmos-child.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the cosmos server exited ${code}`)));
  });
  return {
    endpoint,
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

export async function benchScale({ quick, rows, progress }: BenchContext, _server: ScriptedModelServer): Promise<void> {
  const sizes = quick ? [2_000, 20_000] : [10_000, 100_000];
  // Scenarios that wait on purpose would measure the wait; workers and the hostile subject are measured elsewhere.
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const fast = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
    (l) => !waitsOnPurpose(l.scenario) && l.scenario.subject !== 'hostile-agent' && l.scenario.isolation !== 'worker',
  );
  const work = await mkdtemp(path.join(tmpdir(), 'lab-bench-scale-'));
  const scenarios = path.join(work, 'scenarios');
  await mkdir(scenarios);
  for (const { file } of fast) await copyFile(file, path.join(scenarios, path.basename(file)));
  const cosmos = await cosmosProcess();
  try {
    for (const store of ['files', 'cosmos'] as const) {
      const results: { runs: number; perSecond: number; peakMb: number }[] = [];
      for (const size of sizes) {
        const repeat = Math.ceil(size / fast.length);
        const runs = repeat * fast.length;
        progress(`  ${runs} runs into ${store}…`);
        const env = { ...(store === 'cosmos' ? cosmosEnv(cosmos.endpoint) : {}), LAB_NOW: '2026-11-23T00:00:00Z' };
        const r = await runNode(
          [
            CLI,
            'capture',
            '--scenarios',
            scenarios,
            '--repeat',
            String(repeat),
            '--concurrency',
            '16',
            '--store',
            store,
            '--dir',
            path.join(work, `traces-${size}`),
            '--json',
          ],
          { env },
        );
        if (r.code !== 0) throw new Error(`capture of ${runs} runs into ${store} exited ${r.code}: ${r.stderr}`);
        results.push({ runs, perSecond: runs / (r.ms / 1000), peakMb: r.peakRssMb ?? Number.NaN });
        await rm(path.join(work, `traces-${size}`), { recursive: true, force: true });
      }
      const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
      rows.push(
        row({
          name: `capture into ${store}: peak RSS of the whole process, ${large.runs} runs against ${small.runs}`,
          unit: 'MB',
          baseline: small.peakMb,
          lab: large.peakMb,
          target: { on: 'ratio', op: '<=', value: 1.1 },
          note: 'flat: nothing is kept per run',
        }),
        row({
          name: `capture into ${store}: runs a second, ${large.runs} runs against ${small.runs} (concurrency 16, whole process, ledger on)`,
          unit: 'runs/s',
          baseline: small.perSecond,
          lab: large.perSecond,
        }),
      );
    }
  } finally {
    await cosmos.stop();
    await rm(work, { recursive: true, force: true });
  }
}
