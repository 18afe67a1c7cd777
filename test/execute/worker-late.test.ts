import path from 'node:path';
import type { Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { localTracer } from '../../src/telemetry/id-tracer.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { scenario } from '../helpers/scenario.ts';

const DEADLINE_MS = 300;
const SLEEP_MS = 500;
/** The main thread is held this long once the worker's run has begun: the worker finishes meanwhile. */
const BLOCK_MS = 1_800;

/** A tracer that holds the main thread when the worker's first tool call reaches it, as a busy lab would. */
function blockingTracer(): Tracer {
  const inner = localTracer();
  let blocked = false;
  return {
    startSpan(name: string, options?: SpanOptions, context?: never): Span {
      if (!blocked && name.startsWith('execute_tool')) {
        blocked = true;
        const until = performance.now() + BLOCK_MS;
        while (performance.now() < until) {
          // The main thread is busy: the deadline timer cannot fire, the worker runs on.
        }
      }
      return inner.startSpan(name, options, context);
    },
    startActiveSpan: inner.startActiveSpan.bind(inner) as Tracer['startActiveSpan'],
  };
}

describe('worker isolation, when the main thread hears late', () => {
  it('a worker run that finished after its deadline, heard of only later by a busy main thread, is still a timeout, from the deadline: its own thread was never held, so it is no overrun', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'test', 'fixtures', 'late-subject'));
    const server = await ScriptedModelServer.start();
    try {
      const s = scenario({
        id: 'late',
        subject: 'late-agent',
        deadline_ms: DEADLINE_MS,
        isolation: 'worker',
        input: { sleep_ms: SLEEP_MS },
      });
      const { event, trace } = await runWithFailureDetection(subjects.get('late-agent')!, s, {
        model: server,
        tracer: blockingTracer(),
      });
      // Whether the worker finished before the busy main thread got to its deadline (elapsed past the
      // sleep, output kept) or not (cut off): the same label either way, so load cannot change it.
      expect(event).toMatchObject({
        kind: 'timeout',
        timeout: { source: 'deadline', deadline_ms: DEADLINE_MS },
        message: `timeout: the run was cut off at its ${DEADLINE_MS} ms deadline`,
        error: null,
      });
      if (trace.output !== null)
        expect(event?.kind === 'timeout' && event.timeout.elapsed_ms).toBeGreaterThanOrEqual(SLEEP_MS);
    } finally {
      await server.close();
    }
  }, 30_000);
});
