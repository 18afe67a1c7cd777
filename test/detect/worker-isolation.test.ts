import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWithin, watchLoop } from '../helpers/timing.ts';
import type { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let scenarios: Map<string, Scenario>;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  scenarios = new Map(
    (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]),
  );
});
afterAll(() => server.close());

const run = (id: string, extra: { isolation?: 'inline' | 'worker' } = {}) => {
  const scenario = scenarios.get(id)!;
  return runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server, ...extra });
};

describe('worker isolation', () => {
  it('ends a synchronous infinite loop at the deadline, within 50 ms, and the lab goes on', async () => {
    const loop = watchLoop();
    const { event, trace } = await run('hostile-sync-infinite-loop');
    const lag = loop.stop();
    expect(trace.run.isolation).toBe('worker');
    expect(event?.kind === 'timeout' && event.timeout.source).toBe('deadline');
    const late = (event?.kind === 'timeout' && event.timeout.elapsed_ms - event.timeout.deadline_ms) || 0;
    expect(late).toBeGreaterThanOrEqual(0);
    expectWithin(late, 50, 'a spinning worker is gone within 50 ms of its deadline', lag);
    expect((await run('qa-citation-exists')).event).toBeNull();
  });

  it('turns heap exhaustion into an exception with ERR_WORKER_OUT_OF_MEMORY, and the lab is unharmed', async () => {
    const { event } = await run('hostile-heap-exhaustion');
    expect(event?.kind === 'exception' && event.error.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect((await run('planner-valid-plan')).event).toBeNull();
  });

  it('turns process.exit() in the subject into an exception; the lab process lives on', async () => {
    const { event } = await run('hostile-process-exit');
    expect(event?.kind === 'exception' && event.error).toMatchObject({
      code: 'ERR_WORKER_EXIT',
      message: expect.stringContaining('exit code 3'),
    });
  });

  it('attributes a background rejection to its run as an exception', async () => {
    const { event } = await run('hostile-background-rejection');
    expect(event?.kind === 'exception' && event.error).toMatchObject({
      code: 'ERR_UNHANDLED_REJECTION',
      message: 'a background task failed and nobody awaited it',
    });
  });

  it('terminates a subject that ignores its signal at the deadline (it would reject later)', async () => {
    const { event } = await run('hostile-rejects-after-deadline');
    expect(event?.kind === 'timeout' && event.timeout.source).toBe('deadline');
  });

  it('records the steps a worker reports, with spans, as completely as inline', async () => {
    const inline = await run('weather-tool-error-handled', { isolation: 'inline' });
    const worker = await run('weather-tool-error-handled', { isolation: 'worker' });
    expect(worker.trace.run.isolation).toBe('worker');
    expect(worker.event).toBeNull();
    const shape = (t: typeof inline.trace) =>
      t.steps.map((s) => [s.index, s.type, s.name, s.status, s.span_id === null]);
    expect(shape(worker.trace)).toEqual(shape(inline.trace));
    expect(worker.trace.steps.find((s) => s.type === 'model_call')?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a worker cut off at its deadline keeps the steps it reported, the open one marked aborted', async () => {
    const { trace } = await run('weather-tool-hangs', { isolation: 'worker' });
    expect(trace.detected).toBe('timeout');
    expect(trace.steps.map((s) => [s.type, s.status])).toEqual([
      ['model_call', 'ok'],
      ['tool_call', 'aborted'],
    ]);
  });
});
