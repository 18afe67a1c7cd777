import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Tracer } from '@opentelemetry/api';
import pLimit from 'p-limit';
import type { Scenario } from '../contracts/scenario.ts';
import type { ShardManifest } from '../contracts/shard-manifest.ts';
import { recordKey, type TraceRecord } from '../contracts/trace-record.ts';
import { effectiveIsolation, type Isolation, runWithFailureDetection } from '../detect/run-with-failure-detection.ts';
import { cascadeDepth, recoveryOutcome, type RunRecords } from '../derive/derive-run-records.ts';
import { LabError } from '../errors/lab-error.ts';
import { createRedactor } from '../internal/redact.ts';
import { toError } from '../internal/to-error.ts';
import type { ModelEndpoint } from '../model/model-endpoint.ts';
import type { LoadedScenario } from '../scenario/load-scenarios.ts';
import type { TraceStore } from '../store/trace-store.ts';
import { BatchWriter } from './batch-writer.ts';
import { type CaptureResult, type CaptureSummary, SummaryCounter } from './capture-summary.ts';
import { type Job, JobPlan } from './job-plan.ts';
import { StoreError } from '../errors/store-error.ts';
import { ShardRecorder } from '../shard/shard-recorder.ts';
import { type Shard, shardLabel } from '../shard/shard-slice.ts';
import path from 'node:path';
import type { FailureLedger } from '../ledger-store/failure-ledger.ts';
import { newBuildId } from '../ledger/build-id.ts';
import type { CaptureFailure } from '../ledger/failure-signals.ts';
import { captureOccurrence, runOccurrence } from '../ledger/occurrence.ts';
import { BuildRecorder, type LedgerSettings } from '../ledger/record-build.ts';
import type { Subject } from '../subject/subject.ts';

export type { CaptureResult, CaptureSummary } from './capture-summary.ts';
export { summarize } from './capture-summary.ts';
export { blocksThread } from './job-plan.ts';

/** What capture needs; the CLI builds it from flags and environment. */
export interface CaptureOptions {
  scenarios: readonly LoadedScenario[];
  subjects: ReadonlyMap<string, Subject>;
  store: TraceStore;
  model: ModelEndpoint;
  concurrency?: number;
  repeat?: number;
  timeoutMs?: number;
  /** The isolation of scenarios that do not set their own (default inline). */
  isolation?: Isolation;
  /** Worker runs at once (default: one fewer than the cores, at least one). */
  maxWorkers?: number;
  tracer?: Tracer;
  /** Values never written anywhere (API keys, LAB_REDACT). */
  secrets?: readonly string[];
  /** Called as each run completes, in completion order. */
  onResult?: (result: CaptureResult, done: number, total: number) => void;
  /** The capture's id, recorded on every run (default: a new one). */
  buildId?: string;
  /** This attempt of the build, recorded on every run (default: a new one, as every capture is an attempt of its own). */
  attemptId?: string;
  /** Keep every model exchange and tool result whole in the records, for `failures reproduce`. */
  recordReplies?: boolean;
  /** Where the build's failures are recorded, and how; none when absent. */
  ledger?: { store: FailureLedger; settings: Omit<LedgerSettings, 'buildId'> } | null;
  /** Scenario files are recorded relative to this folder (default: the current one). */
  projectRoot?: string;
  /** Run only this shard's slice of the runs, store its manifest, and leave the ledger to merge. */
  shard?: Shard | null;
  /** Keep every run's result for the caller (default true); false holds nothing per run, for captures of any size. */
  keepResults?: boolean;
}

/**
 * Runs every scenario (times repeat, or a shard's slice of them) with bounded concurrency and
 * returns the summary, and every run's result unless keepResults is false. A shard stores its
 * manifest when it is done and leaves the ledger to merge.
 */
export async function runCapture(
  options: CaptureOptions,
): Promise<{ results: CaptureResult[]; summary: CaptureSummary; manifest: ShardManifest | null }> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const buildId = options.buildId ?? newBuildId();
  // A build captured again keeps the runs of each attempt apart: a report shows one (docs/ledger-builds.md).
  const attemptId = options.attemptId ?? randomUUID();
  const failures = new BuildRecorder();
  const shardRun = options.shard ? new ShardRecorder() : null;
  const context: RunContext = { ...options, buildId, attemptId, failures, shardRun };
  const plan = new JobPlan(options.scenarios, {
    repeat: options.repeat ?? 1,
    isolation: options.isolation,
    shard: options.shard ?? null,
  });
  const keep = options.keepResults ?? true;
  const results: CaptureResult[] = keep ? new Array(plan.total) : [];
  const counter = new SummaryCounter();
  let next = 0;
  let done = 0;
  const writer = new BatchWriter(options.store);
  // Hostile subjects in workers can keep every core busy, and the main thread, which serves the
  // model and keeps every deadline, would starve. A run's deadline starts with its subject, so
  // waiting here for a worker slot costs it nothing.
  const workerThreads = options.maxWorkers ?? Math.max(1, availableParallelism() - 1);
  if (options.scenarios.some((l) => effectiveIsolation(l.scenario, options.isolation) === 'worker'))
    (await import('../execute/worker-pool.ts')).workerPools.resize(workerThreads);
  const workerSlots = pLimit(workerThreads);
  // Storing and reading back go on in the background while the next runs start.
  const persisting = new Set<Promise<void>>();
  const lane = async (jobs: Iterator<Job>) => {
    for (let step = jobs.next(); !step.done; step = jobs.next()) {
      const index = next++;
      const job = step.value;
      const run =
        effectiveIsolation(job.loaded.scenario, options.isolation) === 'worker'
          ? await workerSlots(() => runOne(job.loaded, job.repeat, context))
          : await runOne(job.loaded, job.repeat, context);
      const finished = ('result' in run ? Promise.resolve(run.result) : persist(run, context, writer)).then(
        (result) => {
          if (keep) results[index] = result;
          counter.add(result);
          if (result.lab_error) shardRun?.labError(result);
          options.onResult?.(result, ++done, plan.total);
        },
      );
      persisting.add(finished);
      void finished.finally(() => persisting.delete(finished));
      // Bound the records held in memory while their writes are in flight.
      if (persisting.size >= MAX_IN_FLIGHT) await Promise.race(persisting);
    }
  };
  const shared = plan.shared();
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, plan.sharedTotal)) }, () => lane(shared)),
  );
  await lane(plan.holding());
  await Promise.all(persisting);
  const live = options.model.mode === 'live';
  if (options.shard) {
    // A shard records what it ran; the ledger is merge's to write, once for the whole build.
    const summary = counter.summary(live, performance.now() - started, { buildId, ledger: null });
    const manifest = shardRun!.manifest({
      buildId,
      shard: options.shard,
      plan,
      scenarios: options.scenarios,
      startedAt,
      summary,
      failures,
    });
    try {
      await options.store.put(manifest);
    } catch (error) {
      const lab = labError(error, options.secrets);
      throw new StoreError({
        store: options.store.name,
        recordKey: manifest.manifest_id,
        message: `shard ${shardLabel(options.shard)} ran, but its manifest could not be stored, so merge will report it missing: ${lab.message}`,
        cause: error,
      });
    }
    return { results, summary, manifest };
  }
  // The runs are stored whatever becomes of the ledger: a ledger that cannot be written fails the capture, and says why.
  let ledger = null;
  let ledgerError = null;
  if (options.ledger) {
    try {
      ledger = await failures.commit(options.ledger.store, { ...options.ledger.settings, buildId });
    } catch (error) {
      ledgerError = labError(error, options.secrets).message;
    }
  }
  return {
    results,
    summary: counter.summary(live, performance.now() - started, { buildId, ledger, ledgerError }),
    manifest: null,
  };
}

/** What a run of this capture needs besides the options. */
type RunContext = CaptureOptions & {
  buildId: string;
  attemptId: string;
  failures: BuildRecorder;
  shardRun: ShardRecorder | null;
};

/** Records held in memory at most while their writes are in flight. */
const MAX_IN_FLIGHT = 2048;

/** Runs one scenario; a fault of the lab ends it here with a result, otherwise it goes on to persist. */
async function runOne(
  { scenario, file }: LoadedScenario,
  repeat: number,
  options: RunContext,
): Promise<
  | { result: CaptureResult }
  | { scenario: Scenario; file: string; repeat: number; trace: TraceRecord; related: RunRecords }
> {
  const subject = options.subjects.get(scenario.subject);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  try {
    if (!subject) throw new LabError({ message: `unknown subject ${scenario.subject}`, exitCode: 2 });
    const { trace, related } = await runWithFailureDetection(subject, scenario, {
      model: options.model,
      timeoutMs: options.timeoutMs,
      isolation: options.isolation,
      tracer: options.tracer,
      secrets: options.secrets,
      repeatIndex: repeat,
      buildId: options.buildId,
      attemptId: options.attemptId,
      recordReplies: options.recordReplies,
    });
    return { scenario, file, repeat, trace, related };
  } catch (error) {
    const base = { scenario: scenario.id, subject: scenario.subject, repeat, expected: scenario.expected };
    const lab_error = labError(error, options.secrets);
    options.failures.add(
      captureOccurrence({
        capture: 'lab_error',
        subject: scenario.subject,
        scenario: scenario.id,
        expected: scenario.expected,
        detected: null,
        message: `${lab_error.name}: ${lab_error.message}`,
        labExitCode: lab_error.exit_code,
        errorClass: lab_error.name,
        startedAt,
        file: relativeFile(file, options),
        triage: scenario.triage ?? {},
        tags: scenario.tags,
      }),
    );
    return {
      result: {
        ...base,
        detected: null,
        matched: false,
        failure_id: null,
        trace_id: null,
        stored: false,
        retrieved: false,
        duration_ms: performance.now() - started,
        message: null,
        cascade_depth: 0,
        recovery: null,
        related: NO_RELATED,
        lab_error,
      },
    };
  }
}

/** A scenario file as the ledger records it: relative to the project. */
function relativeFile(file: string, options: Pick<CaptureOptions, 'projectRoot'>): string {
  return path
    .relative(options.projectRoot ?? process.cwd(), file)
    .split(path.sep)
    .join('/');
}

const NO_RELATED = { failure_traces: 0, recovery_traces: 0, fallback_records: 0 };

/** Persists a run and records its failures (and any failure of the capture with it) for the ledger. */
async function persist(
  {
    scenario,
    file,
    repeat,
    trace,
    related,
  }: { scenario: Scenario; file: string; repeat: number; trace: TraceRecord; related: RunRecords },
  options: RunContext,
  writer: BatchWriter,
): Promise<CaptureResult> {
  const result = await store({ scenario, repeat, trace, related }, options, writer);
  // Every failure goes to the ledger: the run's own, and any failure of the capture with it.
  const where = { file: relativeFile(file, options), triage: scenario.triage ?? {}, tags: scenario.tags };
  const own = runOccurrence(trace, related, where);
  if (own) options.failures.add(own);
  const capture = (kind: CaptureFailure, message: string) =>
    options.failures.add(
      captureOccurrence({
        capture: kind,
        subject: scenario.subject,
        scenario: scenario.id,
        expected: scenario.expected,
        detected: trace.detected,
        message,
        traceId: trace.trace_id,
        startedAt: trace.started_at,
        ...where,
      }),
    );
  if (!result.matched && options.model.mode !== 'live')
    capture(
      'mismatch',
      `scenario ${scenario.id} expects ${scenario.expected ?? 'pass'}; the run was detected as ${trace.detected ?? 'pass'}${trace.failure ? ` (${trace.failure.message})` : ''}`,
    );
  if (!result.stored) capture('not_stored', result.lab_error?.message ?? `record ${recordKey(trace)} was not stored`);
  else if (!result.retrieved)
    capture('not_retrieved', result.lab_error?.message ?? `record ${recordKey(trace)} did not read back intact`);
  return result;
}

/** Stores a run's record and the records derived from it, reads the run back by key and compares. */
async function store(
  { scenario, repeat, trace, related }: { scenario: Scenario; repeat: number; trace: TraceRecord; related: RunRecords },
  options: RunContext,
  writer: BatchWriter,
): Promise<CaptureResult> {
  const base = { scenario: scenario.id, subject: scenario.subject, repeat, expected: scenario.expected };
  const result: CaptureResult = {
    ...base,
    detected: trace.detected,
    matched: trace.detected === scenario.expected,
    failure_id: trace.failure_id,
    trace_id: trace.trace_id,
    stored: false,
    retrieved: false,
    duration_ms: trace.duration_ms,
    message: trace.failure?.message ?? null,
    cascade_depth: cascadeDepth(related),
    recovery: recoveryOutcome(related),
    related: {
      failure_traces: related.failure_traces.length,
      recovery_traces: related.recovery_traces.length,
      fallback_records: related.fallback_records.length,
    },
    lab_error: null,
  };
  const outcomes = await Promise.all(
    [trace, ...related.failure_traces, ...related.recovery_traces, ...related.fallback_records].map((r) =>
      writer.write(r),
    ),
  );
  const failed = outcomes.find((o) => !o.stored);
  if (failed && !failed.stored) {
    result.lab_error = {
      name: 'NotStored',
      message: `record ${failed.key} ${failed.key === recordKey(trace) ? '' : `(derived from run ${recordKey(trace)}) `}was not stored: ${createRedactor(options.secrets ?? [])(failed.error)}`,
      exit_code: 1,
    };
    return result;
  }
  result.stored = true;
  try {
    const back = await options.store.get(recordKey(trace));
    result.retrieved = back !== undefined && isDeepStrictEqual(back, trace);
    if (!result.retrieved) {
      result.lab_error = {
        name: 'RetrievalMismatch',
        message:
          back === undefined
            ? `record ${recordKey(trace)} was stored but is not readable`
            : `record ${recordKey(trace)} read back differs from the one stored`,
        exit_code: 1,
      };
    }
  } catch (error) {
    result.lab_error = labError(error, options.secrets);
  }
  return result;
}

function labError(error: unknown, secrets: readonly string[] = []): NonNullable<CaptureResult['lab_error']> {
  const err = toError(error);
  return {
    name: err.name,
    message: createRedactor(secrets)(err.message),
    exit_code: LabError.isInstance(err) ? err.exitCode : 1,
  };
}
