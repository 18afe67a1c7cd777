import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { TraceStep } from '../contracts/trace-step.ts';
import { LabError } from '../errors/lab-error.ts';
import { EPOCH_OFFSET_MS, isoTime } from '../internal/clock.ts';
import { classifyRun } from '../classify/classify-run.ts';
import type { RunEnd } from '../classify/run-end.ts';
import { workerErrorInfo, workerExitInfo } from '../classify/worker-death.ts';
import type { RunOutcome, RunRequest } from './run-outcome.ts';
import { closeStep } from './step-observer.ts';
import type { WorkerInput, WorkerMessage } from './worker-protocol.ts';

const WORKER_ENTRY = new URL('./worker-bootstrap.ts', import.meta.url);
/** A worker that has not started its subject by then is a fault of the lab. */
const START_TIMEOUT_MS = 30_000;
/** The default heap limit of a worker run; a scenario may set its own (memory_limit_mb). */
export const DEFAULT_WORKER_HEAP_MB = 128;

/**
 * Runs the subject in a worker thread with resource limits; the main thread keeps the model
 * server, the telemetry and the deadline. At the deadline the worker is terminated, which ends a
 * synchronous loop; heap exhaustion and process.exit() end only the worker. Steps are reported
 * as they happen, so the record is as complete as inline.
 */
export function runInWorker<I>(req: RunRequest<I> & { subjectFile: string }): Promise<RunOutcome> {
  // A channel of our own, so the messages a worker posted just before the deadline can be read
  // synchronously then (a busy main thread runs its deadline timer before it delivers them).
  const { port1: messages, port2 } = new MessageChannel();
  const input: WorkerInput = { subjectFile: req.subjectFile, scenario: req.scenario, session: req.session, deadlineMs: req.deadlineMs, secrets: req.secrets, recordRecovery: req.recordRecovery !== false, keepReplay: Boolean(req.replay), epochOffsetMs: EPOCH_OFFSET_MS, port: port2 };
  const heapMb = req.scenario.memory_limit_mb ?? DEFAULT_WORKER_HEAP_MB;
  const worker = new Worker(WORKER_ENTRY, {
    workerData: input,
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(32, Math.max(4, heapMb / 4)) },
    stdout: true,
    stderr: true,
  });
  // What the subject prints is not the lab's output (it would break --json): it is dropped.
  worker.stdout.resume();
  worker.stderr.resume();
  const steps: TraceStep[] = [];
  const starts = new Map<number, number>();
  let startMs = req.clock();
  let deadline: NodeJS.Timeout | undefined;

  return new Promise<RunOutcome>((resolve, reject) => {
    let settled = false;
    const startGuard = setTimeout(() => fail(new LabError({ message: `scenario ${req.scenario.id}: the worker did not start its subject within ${START_TIMEOUT_MS} ms` })), START_TIMEOUT_MS);
    const drain = () => {
      for (let m = receiveMessageOnPort(messages); m; m = receiveMessageOnPort(messages)) handle(m.message as WorkerMessage);
    };
    const end = (facts: Partial<RunEnd>, output: RunOutcome['output'], openStatus: TraceStep['status'], endMs = req.clock()) => {
      if (settled) return;
      drain();
      if (settled) return; // The drained messages may hold the worker's own 'done'.
      settled = true;
      messages.close();
      clearTimeout(deadline);
      clearTimeout(startGuard);
      for (const step of steps) {
        if (step.ended_at !== null) continue;
        closeStep(step, openStatus, null, starts.get(step.index) ?? endMs, endMs, isoTime);
      }
      req.spans.endAll(endMs);
      const detection = classifyRun({ deadlineMs: req.deadlineMs, elapsedMs: endMs - startMs, cutOff: null, thrown: null, died: null, unhandled: null, checks: null, degraded: null, ...facts });
      // Whatever the subject left running (timers, sockets) ends with its thread.
      void worker.terminate().then(() => resolve({ detection, output, steps, startMs, endMs }));
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      messages.close();
      clearTimeout(deadline);
      clearTimeout(startGuard);
      req.spans.endAll(req.clock());
      void worker.terminate().then(() => reject(error));
    };
    const handle = (message: WorkerMessage) => {
      if (settled) return;
      switch (message.type) {
        case 'started':
          clearTimeout(startGuard);
          // The worker's own clock: a busy main thread may hear of the start late.
          startMs = message.startMs;
          // The deadline has passed when the timer fires, so the run never ends before it. The
          // subject cannot hold this thread, so a cut here is never late because of it (heldMs 0).
          deadline = setTimeout(() => end({ cutOff: { heldMs: 0 } }, null, 'aborted', Math.max(req.clock(), startMs + req.deadlineMs)), Math.max(0, startMs + req.deadlineMs - req.clock()));
          break;
        case 'begin':
          message.step.span_id = req.spans.begin(message.step, message.startMs);
          starts.set(message.step.index, message.startMs);
          steps[message.step.index] = message.step;
          break;
        case 'end':
          message.step.span_id = steps[message.step.index]?.span_id ?? null;
          steps[message.step.index] = message.step;
          req.spans.end(message.step, message.endMs);
          break;
        case 'replay-exchange':
          req.replay?.exchange(message.entry);
          break;
        case 'replay-tool':
          req.replay?.toolResult(message.entry);
          break;
        case 'done':
          // Finished after the deadline (heard of late, or drained at the deadline) is an overrun, as inline: classifyRun decides.
          end(message.end, message.output, 'unfinished', message.endMs);
          break;
        case 'lab-error':
          fail(Object.assign(new LabError({ message: message.message, exitCode: message.exitCode }), { name: message.name }));
          break;
      }
    };
    messages.on('message', handle);
    worker.on('error', (error) => end({ died: workerErrorInfo(error, req.redact) }, null, 'unfinished'));
    worker.on('exit', (code) => end({ died: workerExitInfo(code) }, null, 'unfinished'));
  });
}
