// Part: lab fuzz against capture on the same subject and baseline (docs/chaos.md): how fast fuzz
// trials go beside capture runs, and what shrinking costs per finding.
import path from 'node:path';
import { runFuzz } from '../../src/chaos/run-fuzz.ts';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { Scenario } from '../../src/contracts/scenario.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { type BenchContext, median, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function benchFuzz({ quick, rows, progress }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const [loaded] = await loadScenarios(path.join(ROOT, 'scenarios'), subjects, {
    select: (s) => s.id === 'chaos-weather-control',
  });
  // Kinds that do not wait on purpose (a hang waits for a deadline, a delay for itself): the
  // figures then measure the lab, not the waits. A 500 is retried after its 10 ms retry-after.
  const baseline: Scenario = {
    ...loaded!.scenario,
    fuzz: { kinds: ['status_400', 'status_500', 'malformed', 'tool_error'] },
  };
  const subject = subjects.get(baseline.subject)!;
  const concurrency = 16;

  const repeat = quick ? 50 : 500;
  const capture = (n: number) =>
    runCapture({
      scenarios: [{ file: loaded!.file, scenario: baseline }],
      subjects,
      store: new MemoryStore(),
      model: server,
      concurrency,
      repeat: n,
      keepResults: false,
    });
  await capture(20); // Warm: the subject, the openai client and the wrapper, for both sides.
  const captureStarted = performance.now();
  const { summary } = await capture(repeat);
  if (summary.exit_code !== 0) throw new Error(`bench capture did not pass: ${JSON.stringify(summary)}`);
  const captureRate = repeat / ((performance.now() - captureStarted) / 1000);
  progress(`  capture: ${repeat} runs at ${captureRate.toFixed(0)} runs/s`);

  const runs = quick ? 100 : 1000;
  const fuzzStarted = performance.now();
  const result = await runFuzz({
    subject,
    baseline,
    detection: { model: server },
    runs,
    seed: 1,
    maxFaults: 3,
    concurrency,
  });
  const fuzzMs = performance.now() - fuzzStarted;
  const fuzzRate = result.executed / (fuzzMs / 1000);
  rows.push(
    row({
      name: 'lab fuzz: runs per second against capture on the same subject and baseline (weather-agent, concurrency 16)',
      unit: 'runs/s',
      baseline: captureRate,
      lab: fuzzRate,
      target: { on: 'ratio', op: '>=', value: 0.8 },
      note: `fuzz: ${runs} sampled fault sets (kinds that do not wait), ${result.executed} distinct runs made, sampling and shrinking included, ${(fuzzMs / 1000).toFixed(1)} s; capture: the baseline ${repeat} times, memory store`,
    }),
  );
  // A finding first seen alone at a call (the single-fault pass) has nothing to shrink; those
  // first seen in a sampled set of two or more are what shrinking works on.
  const shrunk = result.findings.filter((f) => f.found_with > 1);
  const med = (values: number[]) => (values.length > 0 ? median(values) : 0);
  rows.push(
    row({
      name: 'lab fuzz: runs shrinking costs per finding first seen with two faults or more (median)',
      unit: 'runs',
      lab: med(shrunk.map((f) => f.shrink_trials)),
      note: `${shrunk.length} of ${result.findings.length} findings; fault sets tried, cached ones counted (max ${Math.max(0, ...shrunk.map((f) => f.shrink_trials))}); runs actually made (not cached) median ${med(shrunk.map((f) => f.shrink_runs))}; over every finding, median ${med(result.findings.map((f) => f.shrink_trials))}`,
    }),
  );
}
