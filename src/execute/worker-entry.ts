// The worker side of worker isolation: loads the subject's file, runs it with a recorder that
// reports every step to the main thread, gathers how the run ended (what it threw, or its output's
// checks), and says done. The main thread owns the deadline (it terminates this thread), the
// telemetry, the model server, and the classification (src/classify).
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { classifyThrown } from '../classify/classify-thrown.ts';
import { degradedVerdict } from '../classify/degraded.ts';
import { unhandledRejectionInfo } from '../classify/worker-death.ts';
import { LabError } from '../errors/lab-error.ts';
import { clockWithOffset } from '../internal/clock.ts';
import { preview } from '../internal/preview.ts';
import { createRedactor } from '../internal/redact.ts';
import { toError } from '../internal/to-error.ts';
import { RecoveryKit } from '../recovery/recovery-kit.ts';
import type { Subject } from '../subject/subject.ts';
import { runChecks } from './run-checks.ts';
import { StepRecorder } from './step-recorder.ts';
import { makeSubjectContext } from './subject-context.ts';
import type { WorkerInput, WorkerMessage } from './worker-protocol.ts';

const input = workerData as WorkerInput;
const clock = clockWithOffset(input.epochOffsetMs);
const post = (message: WorkerMessage) => input.port.postMessage(message);
const unhandled: unknown[] = [];
// A rejection nobody handles belongs to this run: it is recorded, and this thread goes on.
process.on('unhandledRejection', (reason) => unhandled.push(reason));

try {
  const subject = (await import(pathToFileURL(input.subjectFile).href)).default as Subject;
  const redact = createRedactor(input.secrets);
  const recorder = new StepRecorder({
    clock,
    redact,
    observer: {
      begin: (step, startMs) => (post({ type: 'begin', step, startMs }), null),
      end: (step, endMs) => post({ type: 'end', step, endMs }),
    },
    replay: input.keepReplay ? { exchange: (entry) => post({ type: 'replay-exchange', entry }), toolResult: (entry) => post({ type: 'replay-tool', entry }) } : null,
  });
  const scenario = input.scenario;
  const parsed = subject.inputSchema.parse(scenario.input);
  const signal = new AbortController().signal;
  const recovery = new RecoveryKit({ log: input.recordRecovery ? recorder : null, signal });
  const ctx = makeSubjectContext({ subject, scenario, input: parsed, session: input.session, deadlineMs: input.deadlineMs, recorder, recovery, signal });
  post({ type: 'started', startMs: clock() });
  // A subject awaiting something that never settles leaves nothing on the event loop, and Node
  // would end the thread (exit code 13). The main thread decides when this run is over.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let result: { value: unknown } | { error: unknown };
  try {
    result = { value: await subject.run(ctx) };
  } catch (error) {
    result = { error };
  }
  clearInterval(keepAlive);
  const endMs = clock();
  // Let rejections fired in the background during the run surface before judging it.
  await new Promise((resolve) => setImmediate(resolve));
  recorder.finish(false);
  const end: Extract<WorkerMessage, { type: 'done' }>['end'] = {
    thrown: 'error' in result ? classifyThrown(result.error, redact) : null,
    unhandled: unhandled.length > 0 ? unhandledRejectionInfo(unhandled[0], redact) : null,
    checks: null,
    degraded: null,
  };
  if ('value' in result) {
    end.checks = runChecks(result.value, { subject, scenario, recorder, redact });
    end.degraded = degradedVerdict(recorder.steps, (episode) => recovery.triggerErrorOf(episode), redact);
  }
  post({ type: 'done', end, output: 'value' in result ? preview(result.value, redact) : null, endMs });
} catch (error) {
  // A fault of the lab (an unloadable subject file, a grounding check with no sources), not of the run.
  const err = toError(error);
  post({ type: 'lab-error', name: err.name, message: err.message, exitCode: LabError.isInstance(err) ? err.exitCode : 1 });
}
