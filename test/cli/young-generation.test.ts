// The commands that run subjects start Node again, in place, with the lab's young generation
// (src/cli/young-generation.ts; docs/timeouts.md, "Garbage collection").
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAB_YOUNG_GENERATION_FLAG, youngGenerationChosen } from '../../src/cli/young-generation.ts';
import { runCli } from '../helpers/run-cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'lab-young-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Preloaded into every program the process runs (NODE_OPTIONS survives execve), and into its worker
// threads: each notes its pid, whether it is the main thread, and the flags Node started with.
const probe = path.join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
if (isMainThread) appendFileSync(process.env.PROBE_OUT, JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');
`,
);

async function starts(args: string[], nodeOptions = '') {
  const out = path.join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(out, '');
  const run = await runCli(args, { env: { PROBE_OUT: out, NODE_OPTIONS: `--import ${probe} ${nodeOptions}`.trim() } });
  const programs = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { pid: number; execArgv: string[] });
  return { run, programs };
}

describe('the young generation of the commands that run subjects', () => {
  it('capture starts Node again in the same process, with the flag, and labels as before', async () => {
    const { run, programs } = await starts([
      'capture',
      '--filter',
      'calculator-correct',
      '--store',
      'memory',
      '--no-ledger',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/calculator-correct/);
    expect(programs).toHaveLength(2);
    expect(programs[0]!.execArgv).not.toContain(LAB_YOUNG_GENERATION_FLAG);
    expect(programs[1]!.execArgv).toContain(LAB_YOUNG_GENERATION_FLAG);
    expect(programs[1]!.pid).toBe(programs[0]!.pid);
  });

  it('a young generation the user chose in NODE_OPTIONS wins: no restart', async () => {
    const { run, programs } = await starts(
      ['capture', '--filter', 'calculator-correct', '--store', 'memory', '--no-ledger'],
      '--max-semi-space-size=16',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(programs).toHaveLength(1);
  });

  it('a command that runs no subject starts once', async () => {
    const { run, programs } = await starts(['report', '--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(programs).toHaveLength(1);
  });

  it('reads a choice in either spelling, as a flag or in NODE_OPTIONS', () => {
    expect(youngGenerationChosen(['--max-semi-space-size=16'], undefined)).toBe(true);
    expect(youngGenerationChosen([], '--max_semi_space_size=2 --expose-gc')).toBe(true);
    expect(youngGenerationChosen(['--expose-gc'], '--max-old-space-size=4096')).toBe(false);
  });
});
