// Part: what the lab's young generation costs (src/cli/young-generation.ts). The same saturated
// load, 16 fast in-process runs always in flight, in child processes started with Node's default
// young generation and with the lab's, interleaved. The lateness part measures what it buys.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LAB_YOUNG_GENERATION_FLAG } from '../../src/cli/young-generation.ts';
import { type BenchContext, median, row } from './common.ts';

const CHILD = path.join(import.meta.dirname, 'saturated-runs.ts');

function saturate(flags: string[], n: number): Promise<{ runsPerSecond: number; cpuMsPerRun: number }> {
  return new Promise((resolve, reject) => {
    // NODE_OPTIONS is left out: a young generation chosen there would apply to both sides.
    const child = spawn(process.execPath, [...flags, CHILD, String(n)], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!))
        : reject(new Error(`saturated-runs exited ${code}: ${err}`)),
    );
  });
}

export async function benchYoungGeneration({ quick, rows, progress }: BenchContext): Promise<void> {
  const n = quick ? 500 : 6000;
  const trials = quick ? 1 : 3;
  const node: number[] = [];
  const lab: number[] = [];
  const nodeCpu: number[] = [];
  const labCpu: number[] = [];
  for (let i = 0; i < trials; i++) {
    progress(`  trial ${i + 1} of ${trials}: ${n} runs with Node's young generation, then with the lab's…`);
    const a = await saturate([], n);
    const b = await saturate([LAB_YOUNG_GENERATION_FLAG], n);
    node.push(a.runsPerSecond);
    lab.push(b.runsPerSecond);
    nodeCpu.push(a.cpuMsPerRun);
    labCpu.push(b.cpuMsPerRun);
  }
  rows.push(
    row({
      name: `runs a second with 16 fast in-process runs always in flight, the lab's young generation (\`${LAB_YOUNG_GENERATION_FLAG}\`) against Node's default (median of ${trials}, ${n} runs each)`,
      unit: 'runs/s',
      baseline: median(node),
      lab: median(lab),
      note: `what the shorter collections of young objects cost when the thread never idles; CPU per run ${median(nodeCpu).toFixed(2)} ms against ${median(labCpu).toFixed(2)} ms. Each side in a process of its own, interleaved; the lateness part measures what it buys`,
    }),
  );
}
