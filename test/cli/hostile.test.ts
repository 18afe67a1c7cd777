import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runMain } from '../helpers/run-cli.ts';

describe('the lab survives hostile subjects', () => {
  // That capture exits by itself within seconds of its summary, hangs, workers and all, is checked on
  // the real process of the whole corpus's capture in test/cli/capture.test.ts (its golden file's).

  it('--isolation worker runs every scenario in a worker with the same classifications as inline', async () => {
    // In this process: the worker pool and its workers are the point, not the CLI's process.
    // Four workers, two a core: the default on two cores is one, which runs the corpus's hangs one
    // after another (over two minutes). `--workers 1` itself is checked in test/cli/flags.test.ts.
    const run = await runMain(['capture', '--isolation', 'worker', '--concurrency', '8', '--workers', '4', '--json']);
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
    // A process of its own: an unhandled rejection in this test process would fail the test run.
    const run = await runCli(['capture', '--scenarios', dir, '--concurrency', '1']);
    // Inline, the rejection cannot be tied to its run: the run is a visible mismatch, the lab goes on.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('warning: unhandled rejection from an inline subject');
    expect(run.stdout).toMatch(/✓ .*planner-valid-plan/);
    expect(run.stdout).toContain('2 runs: 1 as expected, 1 mismatched');
  });
});
