// Part: command subjects. The per-run cost of a command subject (a Python and a Node process)
// against the TypeScript subject with the same script, and the process start measured apart.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { type BenchContext, median, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Spawn to exit of a process that does nothing but start (and import what the agent imports). */
async function startMs(argv: string[]): Promise<number> {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
  return performance.now() - t;
}

export async function benchCommand({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = new Map(
    (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]),
  );
  const n = quick ? 5 : 20;
  // The same script for all three: one tool call answered by a fixture, then the answer.
  const scenario = scenarios.get('py-calc-control')!;
  const runOf = (subjectId: string) => async () => {
    const { event } = await runWithFailureDetection(
      subjects.get(subjectId)!,
      { ...scenario, subject: subjectId },
      {
        model: server,
      },
    );
    if (event) throw new Error(`${subjectId} on ${scenario.id}: ${event.kind}, expected a pass`);
  };
  const sides = {
    ts: runOf('calculator-agent'),
    py: runOf('py-calculator'),
    node: runOf('node-calculator'),
    pyStart: () => startMs(['python3', '-c', 'import json, urllib.request']),
    nodeStart: () => startMs(['node', '-e', '0']),
  };
  const times: Record<keyof typeof sides, number[]> = { ts: [], py: [], node: [], pyStart: [], nodeStart: [] };
  for (const run of Object.values(sides)) await run(); // warm-up
  // Interleaved, so drift on a shared machine hits every side alike.
  for (let i = 0; i < n; i++)
    for (const [name, run] of Object.entries(sides) as [keyof typeof sides, () => Promise<unknown>][]) {
      const t = performance.now();
      await run();
      times[name].push(performance.now() - t);
    }
  const ts = median(times.ts);
  for (const [lang, run, start, argv] of [
    ['Python', times.py, times.pyStart, 'python3 -c "import json, urllib.request"'],
    ['Node', times.node, times.nodeStart, 'node -e 0'],
  ] as const) {
    const lab = median(run);
    const s = median(start);
    rows.push(
      row({
        name: `command subject (${lang}) against the TypeScript subject with the same script: one tool call, two model calls (median, n=${n})`,
        unit: 'ms',
        baseline: ts,
        lab,
        note: `added ${(lab - ts).toFixed(1)} ms a run, of which the process start (\`${argv}\`, spawn to exit) is ${s.toFixed(1)} ms; the rest is the run's loopback endpoint, the agent's own HTTP and JSON, and the extra hop`,
      }),
    );
  }
}
