import { AsyncResource } from 'node:async_hooks';
import { classifyRun } from '../classify/classify-run.ts';
import { classifyThrown } from '../classify/classify-thrown.ts';
import { ownParseOfModelReply } from '../classify/own-parse.ts';
import { degradedVerdict } from '../classify/degraded.ts';
import type { RunEnd } from '../classify/run-end.ts';
import { preview } from '../internal/preview.ts';
import { ToolScriptError } from '../errors/tool-script-error.ts';
import { RecoveryKit } from '../recovery/recovery-kit.ts';
import type { RunOutcome, RunRequest } from './run-outcome.ts';
import { runChecks } from './run-checks.ts';
import { StepRecorder } from './step-recorder.ts';
import { makeSubjectContext } from './subject-context.ts';
import { OwnWork } from './own-work.ts';
import { openRunEnv } from './run-env.ts';
import { runSubject, type TurnReply } from './conversation.ts';

/** The reason the run's signal is aborted with at its deadline. */
export class RunDeadlineError extends Error {
  constructor(deadlineMs: number) {
    super(`run deadline of ${deadlineMs} ms passed`);
    this.name = 'RunDeadlineError';
  }
}

const CUT_OFF = Symbol('cut off');

type Settled = { value: unknown } | { error: unknown };

/** Resolves once the thread has run every microtask now queued: process.nextTick runs after them. */
function afterCurrentMicrotasks(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/**
 * Runs the subject in the lab's own thread: fastest, but synchronous work cannot be cut off,
 * only measured (a run that comes back after its deadline is still a timeout). Its own slices
 * are timed (OwnWork), so a cut that comes late because of anything else is not its overrun.
 */
export async function runInline<I>(req: RunRequest<I>): Promise<RunOutcome> {
  const recorder = new StepRecorder({
    clock: req.clock,
    redact: req.redact,
    observer: req.spans,
    replay: req.replay ?? null,
  });
  const controller = new AbortController();
  const recovery = new RecoveryKit({ log: req.recordRecovery === false ? null : recorder, signal: controller.signal });
  // The MCP proxy (and the SDK it is built on) is loaded only for a subject that has MCP servers.
  const mcp =
    req.subject.mcp_servers && Object.keys(req.subject.mcp_servers).length > 0
      ? await (await import('../mcp/mcp-proxy.ts')).McpRunProxy.open({
          servers: req.subject.mcp_servers,
          script: req.scenario.mcp,
          start: req.scenario.mcp_start,
          recorder,
          signal: controller.signal,
          redact: req.redact,
          scenarioId: req.scenario.id,
        })
      : null;
  const ctx = makeSubjectContext({
    ...req,
    recorder,
    recovery,
    signal: controller.signal,
    ...(mcp ? { mcp: mcp.endpoints } : {}),
  });
  // An agent that builds its own client from process.env gets this run's endpoint (src/execute/run-env.ts).
  const env = req.subject.runsAsProcess ? null : await openRunEnv(ctx);
  const startMs = req.clock();
  // Whichever comes first: the run's result, or its deadline, which OwnWork notices at the first
  // callback boundary after it, inside an async hook.
  const first = Promise.withResolvers<Settled | typeof CUT_OFF>();
  // The cut is made where it is noticed, between two callbacks: the code after `await first.promise`
  // runs only once every callback queued before it has run, which with many runs in flight takes
  // milliseconds. So, unless the run's own work held the thread at its deadline (then it may still
  // keep a result settled in that slice, below), the run's record is closed right there, and its
  // signal aborted there too, in the run's own async context, or, when the callback about to run is
  // one Node calls from native code, as soon as that callback ends (docs/timeouts.md, "How late a
  // cut comes").
  let cutAtMs: number | null = null;
  const abortAtCut = AsyncResource.bind(() => controller.abort(new RunDeadlineError(req.deadlineMs)));
  const work = new OwnWork(req.deadlineMs, (betweenJobs) => {
    if (!work.held && !work.inSlice) {
      cutAtMs = req.clock();
      recorder.cutAt(cutAtMs);
      // An abort listener that throws is reported by the signal, not here (EventTarget's rule).
      if (betweenJobs) abortAtCut();
      else queueMicrotask(abortAtCut);
    }
    first.resolve(CUT_OFF);
  });
  // Promise.resolve().then turns a synchronous throw into a rejection like any other. Both are
  // handled here, so a rejection after a cut-off is never unhandled.
  const replies: TurnReply[] = [];
  const running = Promise.resolve().then(() =>
    work.run(() => {
      const go = () => runSubject(req.subject, req.scenario, ctx, recorder, replies, req.redact);
      return env ? env.run(go) : go();
    }),
  );
  let settled: Settled | null = null;
  running.then(
    (value) => first.resolve((settled = { value })),
    (error: unknown) => first.resolve((settled = { error })),
  );
  let result = await first.promise;
  // A run whose own work held the thread across its deadline may have settled in that very slice:
  // the rest of the slice's microtasks run first, and then it keeps its result, as it did when
  // only a timer (which fires between callbacks) could cut it.
  if (result === CUT_OFF && work.held) {
    await afterCurrentMicrotasks();
    result = (settled as Settled | null) ?? CUT_OFF;
  }
  env?.close();
  const endMs = result === CUT_OFF && cutAtMs !== null ? cutAtMs : req.clock();
  work.stop();
  // A fault of the scenario (a command subject's tool call with nothing to answer it) is the lab's, not the run's.
  if (result !== CUT_OFF && 'error' in result && ToolScriptError.isInstance(result.error)) throw result.error;
  if (result === CUT_OFF) controller.abort(new RunDeadlineError(req.deadlineMs));
  // An MCP call the run left open was never answered: recorded alike whether or not its client's cancel came first.
  else await mcp?.endOpenCalls();
  recorder.finish(result === CUT_OFF);
  if (mcp) {
    await mcp.close();
    // A server that could not start is a fault of the set-up, not of the run (docs/chaos-mcp.md).
    if (mcp.startFailure) throw mcp.startFailure;
  }

  const end: RunEnd = {
    deadlineMs: req.deadlineMs,
    elapsedMs: endMs - startMs,
    cutOff: result === CUT_OFF,
    held: work.held,
    thrown: null,
    died: null,
    unhandled: null,
    checks: null,
    degraded: null,
  };
  if (result === CUT_OFF) {
    // Nothing more to gather of a run that was cut off.
  } else if ('error' in result)
    end.thrown = ownParseOfModelReply(classifyThrown(result.error, req.redact), recorder.steps);
  else if (end.elapsedMs <= req.deadlineMs) {
    end.checks = runChecks(result.value, {
      subject: req.subject,
      scenario: req.scenario,
      recorder,
      redact: req.redact,
      replies,
      mcpTools: mcp?.listedTools ?? [],
    });
    end.degraded = degradedVerdict(recorder.steps, (episode) => recovery.triggerErrorOf(episode), req.redact);
  }
  return {
    detection: classifyRun(end),
    output: result !== CUT_OFF && 'value' in result ? preview(result.value, req.redact) : null,
    steps: [...recorder.steps],
    startMs,
    endMs,
    injectedFaults: mcp ? [...mcp.injectedFaults] : [],
  };
}
