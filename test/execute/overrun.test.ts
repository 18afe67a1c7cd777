import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
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
/**
 * Far past the deadline, so the slice is running at it whatever the load; and on a loaded machine
 * (a few busy processes a core) a loop this long still gets well over HELD_CPU_MS of CPU time.
 */
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

  it('waiting past the deadline without holding the thread: a timeout from the deadline, however late the cut came', async () => {
    const { event } = await detect(subject('waits', () => new Promise(() => {})));
    expect(event).toMatchObject({
      kind: 'timeout',
      timeout: { source: 'deadline' },
      message: `timeout: the run was cut off at its ${DEADLINE_MS} ms deadline`,
    });
  });

  it("another run's synchronous work delays the cut of a waiting run: the blocking run is the overrun, the waiting one is cut at its deadline", async () => {
    const [waiting, blocking] = await Promise.all([
      detect(subject('waits-beside', () => new Promise(() => {}))),
      detect(
        subject('blocks-beside', async () => {
          // Once the waiting run has started, hold the thread across both deadlines.
          await new Promise((resolve) => setTimeout(resolve, 10));
          busy(BUSY_MS);
          await new Promise(() => {});
        }),
      ),
    ]);
    expect(blocking.event).toMatchObject({ kind: 'timeout', timeout: { source: 'overrun' } });
    // The waiting run's deadline timer could only fire after the other run's loop.
    expect(waiting.event?.kind === 'timeout' && waiting.event.timeout.elapsed_ms).toBeGreaterThanOrEqual(BUSY_MS);
    expect(waiting.event).toMatchObject({ kind: 'timeout', timeout: { source: 'deadline' } });
  });

  it('work outside every run (the lab itself, a paused process) that holds the thread at the deadline is no overrun', async () => {
    const held = new Promise<void>((resolve) =>
      setTimeout(() => {
        busy(BUSY_MS);
        resolve();
      }, DEADLINE_MS / 2),
    );
    const { event } = await detect(
      subject('waits-while-lab-busy', async () => {
        await new Promise(() => {});
      }),
    );
    await held;
    expect(event?.kind === 'timeout' && event.timeout.elapsed_ms).toBeGreaterThanOrEqual(BUSY_MS);
    expect(event).toMatchObject({ kind: 'timeout', timeout: { source: 'deadline' } });
  });
});
