import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectWithin, watchLoop } from '../helpers/timing.ts';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.ts';

describe('the lab survives hostile subjects', () => {
  it('capture exits by itself within seconds of printing its summary, hangs, workers and all', async () => {
    const started = performance.now();
    const loop = watchLoop();
    const child = spawn(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'capture', '--store', 'memory'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH },
    });
    let stdout = '';
    let summaryAt = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!summaryAt && /\n(OK|FAILED \(exit \d\))\n/.test(stdout)) summaryAt = performance.now();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const exitedAt = performance.now();
    const lag = loop.stop();
    expect(code, stdout).toBe(0);
    expect(summaryAt).toBeGreaterThan(started);
    // A handle left open (a hung socket, a live worker, a timer) keeps a process alive for good, or
    // until its timer: 5 s tells that from the few hundred ms that ending the server's thread and the
    // worker pool takes, even on a loaded machine (2.8 s was seen there under the full suite).
    expectWithin(exitedAt - summaryAt, 5000, 'capture exits within 5 s of its summary', lag);
  });

  it('--isolation worker runs every scenario in a worker with the same classifications as inline', async () => {
    const run = await runCli(['capture', '--isolation', 'worker', '--concurrency', '8', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.pop().summary).toMatchObject({ mismatched: 0, lab_errors: 0, exit_code: 0 });
    expect(lines.length).toBeGreaterThanOrEqual(30);
  }, 120_000);

  it('an inline subject that leaves a rejection unhandled does not bring the lab down', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'inline-rejection-'));
    const scenario = JSON.parse(
      await readFile(path.join(ROOT, 'scenarios', 'hostile-background-rejection.json'), 'utf8'),
    );
    delete scenario.isolation;
    await writeFile(path.join(dir, 'inline.json'), JSON.stringify(scenario));
    await writeFile(
      path.join(dir, 'after.json'),
      await readFile(path.join(ROOT, 'scenarios', 'planner-valid-plan.json'), 'utf8'),
    );
    const run = await runCli(['capture', '--scenarios', dir, '--concurrency', '1']);
    // Inline, the rejection cannot be tied to its run: the run is a visible mismatch, the lab goes on.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('warning: unhandled rejection from an inline subject');
    expect(run.stdout).toMatch(/✓ .*planner-valid-plan/);
    expect(run.stdout).toContain('2 runs: 1 as expected, 1 mismatched');
  });
});
