import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { TraceStep } from '../contracts/trace-step.ts';
import { LabError } from '../errors/lab-error.ts';
import { EPOCH_OFFSET_MS, isoTime } from '../internal/clock.ts';
import { classifyRun } from '../classify/classify-run.ts';
import type { RunEnd } from '../classify/run-end.ts';
import { workerErrorInfo, workerExitInfo } from '../classify/worker-death.ts';
import type { RunOutcome, RunRequest } from './run-outcome.ts';
import { closeStep } from './step-observer.ts';
import { DEFAULT_WORKER_HEAP_MB, type WorkerPools, workerPools } from './worker-pool.ts';
import type { WorkerInput, WorkerMessage } from './worker-protocol.ts';

/** A worker that has not started its subject by then (loading, or waiting for a thread) is a fault of the lab. */
const START_TIMEOUT_MS = 60_000;

/**
 * Runs the subject in a pooled worker thread with resource limits (see WorkerPools); the main
 * thread keeps the telemetry and the deadline (the model server has a thread of its own). At the
 * deadline the thread is terminated, which ends a synchronous loop; heap exhaustion and
 * process.exit() end only the thread. Steps are reported as they happen, so the record is as complete as inline.
 */
export function runInWorker<I>(
  req: RunRequest<I> & { subjectFile: string },
  pools: WorkerPools = workerPools,
): Promise<RunOutcome> {
  // A channel of our own, so the messages a worker posted just before the deadline can be read
  // synchronously then (a busy main thread runs its deadline timer before it delivers them).
  const { port1: messages, port2 } = new MessageChannel();
  const input: WorkerInput = {
    subjectFile: req.subjectFile,
    scenario: req.scenario,
    session: req.session,
    deadlineMs: req.deadlineMs,
    secrets: req.secrets,
    recordRecovery: req.recordRecovery !== false,
    keepReplay: Boolean(req.replay),
    epochOffsetMs: EPOCH_OFFSET_MS,
    port: port2,
  };
  const heapMb = req.scenario.memory_limit_mb ?? DEFAULT_WORKER_HEAP_MB;
  // Aborting the task terminates its thread (the pool replaces it): that is how a run is cut off.
  const terminate = new AbortController();
  const task = pools.pool(heapMb).run(input, { transferList: [port2], signal: terminate.signal });
  const steps: TraceStep[] = [];
  const starts = new Map<number, number>();
  let startMs = req.clock();
  let deadline: NodeJS.Timeout | undefined;

  return new Promise<RunOutcome>((resolve, reject) => {
    let settled = false;
    const startGuard = setTimeout(() => {
      // A pool whose threads cannot start serves nobody again: the next run gets a new one.
      pools.discard(heapMb);
      fail(
        new LabError({
          message: `scenario ${req.scenario.id}: the worker did not start its subject within ${START_TIMEOUT_MS} ms`,
        }),
      );
    }, START_TIMEOUT_MS);
    const drain = () => {
      for (let m = receiveMessageOnPort(messages); m; m = receiveMessageOnPort(messages))
        handle(m.message as WorkerMessage);
    };
    const end = (
      facts: Partial<RunEnd>,
      output: RunOutcome['output'],
      openStatus: TraceStep['status'],
      endMs = req.clock(),
    ) => {
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
      const detection = classifyRun({
        deadlineMs: req.deadlineMs,
        elapsedMs: endMs - startMs,
        cutOff: false,
        held: null,
        thrown: null,
        died: null,
        unhandled: null,
        checks: null,
        degraded: null,
        ...facts,
      });
      // A run that did not finish (cut off) has its thread terminated; a finished one leaves it to the pool.
      if (facts.cutOff) terminate.abort();
      resolve({ detection, output, steps, startMs, endMs });
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      messages.close();
      clearTimeout(deadline);
      clearTimeout(startGuard);
      req.spans.endAll(req.clock());
      terminate.abort();
      reject(error);
    };
    const handle = (message: WorkerMessage) => {
      if (settled) return;
      switch (message.type) {
        case 'started':
          clearTimeout(startGuard);
          // The worker's own clock: a busy main thread may hear of the start late.
          startMs = message.startMs;
          // The deadline has passed when the timer fires, so the run never ends before it. The
          // subject cannot hold this thread, so a cut here is never its overrun (held stays null).
          deadline = setTimeout(
            () => end({ cutOff: true }, null, 'aborted', Math.max(req.clock(), startMs + req.deadlineMs)),
            Math.max(0, startMs + req.deadlineMs - req.clock()),
          );
          break;
        case 'begin':
          message.step.span_id = req.spans.begin(message.step, message.startMs);
          starts.set(message.step.index, message.startMs);
          steps[message.step.index] = message.step;
          break;
        case 'end':
          message.step.span_id = steps[message.step.index]?.span_id ?? null;
          steps[message.step.index] = message.step;
          req.spans.end(message.step, message.endMs, message.response);
          break;
        case 'replay-exchange':
          req.replay?.exchange(message.entry);
          break;
        case 'replay-tool':
          req.replay?.toolResult(message.entry);
          break;
        case 'done':
          // Finished after the deadline (heard of late, or drained at the deadline) is a timeout from the deadline: classifyRun decides.
          end(message.end, message.output, 'unfinished', message.endMs);
          break;
        case 'lab-error':
          fail(
            Object.assign(new LabError({ message: message.message, exitCode: message.exitCode }), {
              name: message.name,
            }),
          );
          break;
        case 'retired':
          // After done: the thread ends itself; the pool replaces it.
          break;
      }
    };
    messages.on('message', handle);
    // The task settles after done (its thread goes back to the pool, or retires); it fails when the
    // thread died with the run still going: heap exhaustion, process.exit, an error nothing caught.
    task.then(
      () => end({ died: workerExitInfo(0) }, null, 'unfinished'),
      (error: unknown) => {
        if (terminate.signal.aborted) return;
        const exited = /worker exited with code: (-?\d+)/.exec(error instanceof Error ? error.message : '');
        end(
          { died: exited ? workerExitInfo(Number(exited[1])) : workerErrorInfo(error, req.redact) },
          null,
          'unfinished',
        );
      },
    );
  });
}
