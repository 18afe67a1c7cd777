import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { WorkerPools } from '../../src/execute/worker-pool.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
let subject: Subject;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subject = (await loadSubjects(path.join(ROOT, 'test', 'fixtures', 'pool-subject'))).get('leaky-agent')!;
});
afterAll(() => server.close());

/** What a run saw, run in the worker pool of this process. */
async function run(
  leave: string,
): Promise<{ thread: number; module_runs: number; saw_global: unknown; saw_env: unknown; detected: string | null }> {
  const { trace } = await runWithFailureDetection(
    subject,
    scenario({ id: `leave-${leave}`, subject: 'leaky-agent', isolation: 'worker', input: { leave } }),
    { model: server },
  );
  return { ...JSON.parse(trace.output?.text ?? '{}'), detected: trace.detected };
}

describe('warm worker threads', () => {
  it('reuse a clean thread, with the subject file fresh each run; retire a thread a run left a global, a timer, an environment change or a rejection in', async () => {
    const first = await run('nothing');
    const second = await run('nothing');
    expect(second.thread, 'a clean thread serves the next run').toBe(first.thread);
    expect(
      [first.module_runs, second.module_runs],
      'module state of the subject file never reaches the next run',
    ).toEqual([1, 1]);
    for (const leave of ['global', 'timer', 'env', 'rejection']) {
      const dirty = await run(leave);
      const next = await run('nothing');
      expect(next.thread, `after a run that left ${leave} behind, the next run gets another thread`).not.toBe(
        dirty.thread,
      );
      expect([next.saw_global, next.saw_env], `nothing of the ${leave} reaches the next run`).toEqual([null, null]);
    }
    expect((await run('rejection')).detected, "and the rejection is the run's own exception").toBe('exception');
  }, 60_000);

  it('a pool can be closed and made again, and its threads are gone when closed', async () => {
    const pools = new WorkerPools(1);
    const pool = pools.pool(64);
    expect(pool.threads.length).toBeGreaterThanOrEqual(0);
    await pools.close();
    expect(pool.threads.length).toBe(0);
  });
});
