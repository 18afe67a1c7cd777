// The worker side of worker isolation, run by a pooled thread (piscina) for one scenario at a
// time: it loads the subject's file afresh, runs it with a recorder that reports every step to the
// main thread, gathers how the run ended, and says done. Then it checks that the run left nothing
// behind (timers, sockets, globals, environment, a rejection): a thread that is not as clean as
// it started ends itself instead of serving another run. The main thread owns the deadline (it
// terminates the thread), the telemetry and the classification (src/classify).
import { pathToFileURL } from 'node:url';
import { classifyThrown } from '../classify/classify-thrown.ts';
import { ownParseOfModelReply } from '../classify/own-parse.ts';
import { degradedVerdict } from '../classify/degraded.ts';
import { unhandledRejectionInfo } from '../classify/worker-death.ts';
import { LabError } from '../errors/lab-error.ts';
import { clockWithOffset } from '../internal/clock.ts';
import { preview } from '../internal/preview.ts';
import { createRedactor } from '../internal/redact.ts';
import { freshCopyQuery, toError } from '../internal/to-error.ts';
import { RecoveryKit } from '../recovery/recovery-kit.ts';
import type { Subject } from '../subject/subject.ts';
import { runSubject, type TurnReply } from './conversation.ts';
import { runChecks } from './run-checks.ts';
import { StepRecorder } from './step-recorder.ts';
import { loadOutsideRuns, openRunEnv } from './run-env.ts';
import { makeSubjectContext } from './subject-context.ts';
import type { WorkerInput, WorkerMessage } from './worker-protocol.ts';

/** A thread serves at most this many runs: each run loads its subject file afresh, and those copies are freed only with the thread. */
export const RUNS_PER_THREAD = 200;

// What a subject prints is not the lab's output (it would break --json): it goes nowhere.
for (const stream of [process.stdout, process.stderr]) stream.write = (() => true) as typeof stream.write;
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = () => {};

const unhandled: unknown[] = [];
// A rejection nobody handles belongs to the run going on: it is recorded, and the thread is retired after it.
process.on('unhandledRejection', (reason) => unhandled.push(reason));

let served = 0;

/** Runs one scenario in this thread (piscina calls it with the task); resolves when done has been posted. */
export default async function runTask(input: WorkerInput): Promise<void> {
  served++;
  const before = snapshot();
  unhandled.length = 0;
  const clock = clockWithOffset(input.epochOffsetMs);
  const post = (message: WorkerMessage) => input.port.postMessage(message);
  try {
    // A fresh copy of the subject's file for every run: state it keeps in its own module cannot reach the next run.
    const subject = (
      await loadOutsideRuns(() => import(`${pathToFileURL(input.subjectFile).href}${freshCopyQuery(served)}`))
    ).default as Subject;
    const redact = createRedactor(input.secrets);
    const recorder = new StepRecorder({
      clock,
      redact,
      observer: {
        begin: (step, startMs) => (post({ type: 'begin', step, startMs }), null),
        end: (step, endMs, response) => post({ type: 'end', step, endMs, ...(response ? { response } : {}) }),
      },
      replay: input.keepReplay
        ? {
            exchange: (entry) => post({ type: 'replay-exchange', entry }),
            toolResult: (entry) => post({ type: 'replay-tool', entry }),
          }
        : null,
    });
    const scenario = input.scenario;
    const parsed = subject.inputSchema.parse(scenario.input);
    const signal = new AbortController().signal;
    const recovery = new RecoveryKit({ log: input.recordRecovery ? recorder : null, signal });
    const ctx = makeSubjectContext({
      subject,
      scenario,
      input: parsed,
      session: input.session,
      deadlineMs: input.deadlineMs,
      recorder,
      recovery,
      signal,
    });
    const env = await openRunEnv(ctx);
    post({ type: 'started', startMs: clock() });
    let result: { value: unknown } | { error: unknown };
    const replies: TurnReply[] = [];
    try {
      result = { value: await env.run(() => runSubject(subject, scenario, ctx, recorder, replies, redact)) };
    } catch (error) {
      result = { error };
    } finally {
      env.close();
    }
    const endMs = clock();
    // Let rejections fired in the background during the run surface before judging it.
    await new Promise((resolve) => setImmediate(resolve));
    recorder.finish(false);
    const end: Extract<WorkerMessage, { type: 'done' }>['end'] = {
      thrown: 'error' in result ? ownParseOfModelReply(classifyThrown(result.error, redact), recorder.steps) : null,
      unhandled: unhandled.length > 0 ? unhandledRejectionInfo(unhandled[0], redact) : null,
      checks: null,
      degraded: null,
    };
    if ('value' in result) {
      end.checks = runChecks(result.value, { subject, scenario, recorder, redact, replies });
      end.degraded = degradedVerdict(recorder.steps, (episode) => recovery.triggerErrorOf(episode), redact);
    }
    post({ type: 'done', end, output: 'value' in result ? preview(result.value, redact) : null, endMs });
  } catch (error) {
    // A fault of the lab (an unloadable subject file, a grounding check with no sources), not of the run.
    const err = toError(error);
    post({
      type: 'lab-error',
      name: err.name,
      message: err.message,
      exitCode: LabError.isInstance(err) ? err.exitCode : 1,
    });
  }
  const dirty = await leftBehind(before);
  if (dirty || served >= RUNS_PER_THREAD) {
    post({ type: 'retired', reason: dirty ?? `served ${served} runs` });
    // Ending the thread before the task settles: the pool replaces it and never gives it another run.
    process.exit(0);
  }
}

interface Snapshot {
  resources: Map<string, number>;
  /** Global data properties and their values; accessors (Node's lazy globals) are only named. */
  globals: Map<string, { value: unknown } | null>;
  env: string;
}

/** What this thread holds: its active resources by type, its global properties, its environment. */
function snapshot(): Snapshot {
  const resources = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) resources.set(type, (resources.get(type) ?? 0) + 1);
  const globals = new Map<string, { value: unknown } | null>();
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    globals.set(name, descriptor && 'value' in descriptor ? { value: descriptor.value } : null);
  }
  return { resources, globals, env: JSON.stringify(process.env) };
}

/**
 * Why the thread is not as clean as before the run (null when it is): a rejection nobody handled,
 * a timer, socket or handle still open, a global added or replaced, the environment changed.
 * Sockets the run's requests leave open close within a moment (the server answers worker runs
 * with "connection: close"), so the check waits briefly for them.
 */
async function leftBehind(before: Snapshot): Promise<string | null> {
  if (unhandled.length > 0) return 'a rejection nobody handled';
  let extra: string | null = null;
  for (let tries = 0; tries < 10; tries++) {
    const now = snapshot().resources;
    extra =
      [...now]
        .filter(([type, n]) => n > (before.resources.get(type) ?? 0))
        .map(([type]) => type)
        .join(', ') || null;
    if (!extra) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (extra) return `resources left open: ${extra}`;
  const after = snapshot();
  for (const [name, now] of after.globals) {
    if (!before.globals.has(name)) return `a global added: ${name}`;
    const was = before.globals.get(name);
    // A lazy global that became a data property on first use is no change; a value replaced is.
    if (was && now && !Object.is(was.value, now.value)) return `a global replaced: ${name}`;
  }
  if (after.env !== before.env) return 'the environment changed';
  return null;
}
