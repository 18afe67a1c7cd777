import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HELD_THREAD_MS } from '../../src/classify/classify-run.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
});

const DEADLINE_MS = 100;
/** Far past the deadline plus HELD_THREAD_MS, so the verdict does not hang on a few ms of load. */
const BUSY_MS = 600;

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Holds the thread: inline, nothing can interrupt this.
  }
};
const subject = (id: string, run: Subject['run']): Subject =>
  defineSubject({ id, description: id, inputSchema: z.unknown(), outputSchema: z.unknown(), run });
const detect = (s: Subject) =>
  runWithFailureDetection(s, scenario({ id: 'o', subject: s.id, deadline_ms: DEADLINE_MS }), { model: server });

describe('inline: a run that held the thread past its deadline says so', () => {
  it('held past the deadline, then waiting: cut off only once the thread was free, source overrun, and the message says why', async () => {
    const { event } = await detect(
      subject('held-then-waits', async () => {
        busy(BUSY_MS);
        await new Promise(() => {});
      }),
    );
    expect(event).toMatchObject({ kind: 'timeout', timeout: { source: 'overrun', deadline_ms: DEADLINE_MS } });
    expect(event?.kind === 'timeout' && event.timeout.elapsed_ms).toBeGreaterThanOrEqual(BUSY_MS);
    expect(event?.message).toBe(
      `timeout: synchronous work held the thread past the ${DEADLINE_MS} ms deadline, so the run could only be stopped after it (inline runs cannot interrupt synchronous work)`,
    );
  });

  it('held past the deadline, then returned a valid answer: still an overrun', async () => {
    const { event, trace } = await detect(
      subject('held-then-returns', async () => {
        busy(BUSY_MS);
        return { ok: true };
      }),
    );
    expect(event).toMatchObject({ kind: 'timeout', timeout: { source: 'overrun' } });
    expect(trace.output).not.toBeNull();
  });

  it('waiting past the deadline without holding the thread: cut off at the deadline', async () => {
    const { event } = await detect(subject('waits', () => new Promise(() => {})));
    expect(event?.kind).toBe('timeout');
    const late = event?.kind === 'timeout' ? event.timeout.elapsed_ms - DEADLINE_MS : 0;
    // The one way this can fail on a correct lab: a machine so busy that a timer fires 100 ms late.
    if (late >= HELD_THREAD_MS)
      throw new Error(
        `the machine was too busy to test this: the deadline timer fired ${late.toFixed(0)} ms late (over ${HELD_THREAD_MS} ms)`,
      );
    expect(event).toMatchObject({
      timeout: { source: 'deadline' },
      message: `timeout: the run was cut off at its ${DEADLINE_MS} ms deadline`,
    });
  });
});
