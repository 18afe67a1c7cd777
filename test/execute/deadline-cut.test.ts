import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { defineSubject, type Subject, type SubjectContext } from '../../src/subject/subject.ts';
import { defineTool } from '../../src/subject/tool.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
});

const DEADLINE_MS = 100;
/** How long the busy run goes on if the cut never comes: a hundred times the deadline, so load cannot reach it. */
const GIVE_UP_MS = 10_000;

const subject = (id: string, run: Subject['run']): Subject =>
  defineSubject({ id, description: id, inputSchema: z.unknown(), outputSchema: z.unknown(), run });
const detect = (s: Subject, deadlineMs: number) =>
  runWithFailureDetection(s, scenario({ id: s.id, subject: s.id, deadline_ms: deadlineMs }), { model: server });

describe('inline: a deadline is noticed between callbacks, not only when the event loop reaches its timers', () => {
  it('a waiting run is cut while another run keeps the thread in short callbacks that never let a timer fire', async () => {
    let cut = false;
    // Every turn of this loop is a callback of its own, but the event loop never gets past them to
    // its timers until the loop stops: a deadline timer alone would fire only after GIVE_UP_MS.
    const turnsUntilCut = async () => {
      const giveUpAt = performance.now() + GIVE_UP_MS;
      let turns = 0;
      while (!cut && performance.now() < giveUpAt) {
        await null;
        turns++;
      }
      return { turns, cutSeen: cut };
    };
    let busy: Awaited<ReturnType<typeof turnsUntilCut>> | undefined;
    const [waiting, other] = await Promise.all([
      detect(
        subject('waits', (ctx) => {
          ctx.signal.addEventListener('abort', () => {
            cut = true;
          });
          return new Promise(() => {});
        }),
        DEADLINE_MS,
      ),
      detect(
        subject('keeps-the-thread-busy', async () => {
          busy = await turnsUntilCut();
          return busy;
        }),
        GIVE_UP_MS * 3,
      ),
    ]);
    expect(busy?.cutSeen).toBe(true);
    expect(waiting.event).toMatchObject({ kind: 'timeout', timeout: { source: 'deadline', deadline_ms: DEADLINE_MS } });
    expect(waiting.event?.kind === 'timeout' && waiting.event.timeout.elapsed_ms).toBeLessThan(GIVE_UP_MS);
    // The busy run never held the thread: it passes, and its turns were short slices of its own.
    expect(other.event).toBeNull();
  });

  it('a cut run is aborted, and its record closed, at the first callback after its deadline, not after the callbacks queued before it', async () => {
    // Another run holds the thread across the waiting run's deadline, then leaves FLOOD callbacks
    // queued. The lab's own code after the cut waits behind all of them; the cut itself must not.
    const FLOOD = 10_000;
    let ran = 0;
    let ranAtAbort: number | null = null;
    let waitingCtx: SubjectContext<unknown> | undefined;
    const started = Promise.withResolvers<number>();
    const note = defineTool({
      name: 'note',
      description: 'notes a call',
      parameters: { type: 'object' },
      run: () => 'noted',
    });
    const waits: Subject = {
      ...subject('waits-for-ever', (ctx) => {
        waitingCtx = ctx;
        ctx.signal.addEventListener('abort', () => {
          ranAtAbort = ran;
        });
        started.resolve(performance.now());
        return new Promise(() => {});
      }),
      tools: [note],
      toolsCalledBy: 'subject',
    };
    const holds = subject('holds-then-floods', async () => {
      const waitingStartedAt = await started.promise;
      // Its deadline is at most DEADLINE_MS after its run began: spin past it, in one slice.
      while (performance.now() < waitingStartedAt + DEADLINE_MS + 20);
      for (let i = 0; i < FLOOD; i++)
        queueMicrotask(() => {
          ran++;
          // Half-way through, the waiting run's tool is called: after its cut, so not its step.
          if (ran === FLOOD / 2) void waitingCtx!.tools.call('note', {}).catch(() => {});
        });
      return 'done';
    });
    const [waiting, other] = await Promise.all([detect(waits, DEADLINE_MS), detect(holds, GIVE_UP_MS)]);
    expect(waiting.event).toMatchObject({ kind: 'timeout', timeout: { source: 'deadline' } });
    // Aborted before the flood had run (a handful of callbacks were queued ahead of it at most).
    expect(ranAtAbort).not.toBeNull();
    expect(ranAtAbort!).toBeLessThan(FLOOD / 100);
    expect(waiting.trace.steps.filter((step) => step.type === 'tool_call')).toEqual([]);
    expect(other.event).toBeNull();
  });
});
