import { availableParallelism } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Tracer } from '@opentelemetry/api';
import pLimit from 'p-limit';
import type { Outcome } from '../contracts/failure-kind.ts';
import type { Scenario } from '../contracts/scenario.ts';
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
import path from 'node:path';
import type { FailureLedger } from '../ledger-store/failure-ledger.ts';
import { newBuildId } from '../ledger/build-id.ts';
import type { CaptureFailure } from '../ledger/failure-signals.ts';
import { captureOccurrence, runOccurrence } from '../ledger/occurrence.ts';
import { BuildRecorder, type LedgerSettings, type LedgerSummary } from '../ledger/record-build.ts';
import type { Subject } from '../subject/subject.ts';

/** The outcome of one run through capture: run, detect, persist, retrieve, compare. */
export interface CaptureResult {
  scenario: string;
  subject: string;
  repeat: number;
  expected: Outcome;
  detected: Outcome;
  /** detected equals expected (in live mode this is reported, not enforced). */
  matched: boolean;
  failure_id: string | null;
  trace_id: string | null;
  /** The record was stored. */
  stored: boolean;
  /** The record read back by its key equals the one emitted. */
  retrieved: boolean;
  duration_ms: number;
  /** The failure's one-line message, or null for a pass. */
  message: string | null;
  /** Levels of the run's deepest failure trace (primary = 1); 0 without a failure trace. */
  cascade_depth: number;
  /** The worst final outcome of the run's recovery traces, or null when it attempted no recovery. */
  recovery: 'recovered' | 'degraded' | 'failed' | null;
  /** The failure traces, recovery traces and fallback records stored beside the run. */
  related: { failure_traces: number; recovery_traces: number; fallback_records: number };
  /** A fault of the lab or the scenario that kept this run from being classified or stored. */
  lab_error: { name: string; message: string; exit_code: number } | null;
}

/** Counts over a capture. */
export interface CaptureSummary {
  runs: number;
  matched: number;
  mismatched: number;
  stored: number;
  retrieved: number;
  lab_errors: number;
  /** Per outcome ("pass" for null): how many runs expected it and how many were detected as it. */
  by_kind: Record<string, { expected: number; detected: number }>;
  duration_ms: number;
  live: boolean;
  /** The capture's id: every run's build_id. */
  build_id: string;
  /** What recording the build's failures in the ledger did; null when no ledger was given. */
  ledger: LedgerSummary | null;
  /** 0 all as expected, 1 a mismatch or a record not stored and retrieved, 2 bad input or configuration. */
  exit_code: number;
}

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
  /** Keep every model exchange and tool result whole in the records, for `failures reproduce`. */
  recordReplies?: boolean;
  /** Where the build's failures are recorded, and how; none when absent. */
  ledger?: { store: FailureLedger; settings: Omit<LedgerSettings, 'buildId'> } | null;
  /** Scenario files are recorded relative to this folder (default: the current one). */
  projectRoot?: string;
}

/** Runs every scenario (times repeat) with bounded concurrency and returns the results and their summary. */
export async function runCapture(options: CaptureOptions): Promise<{ results: CaptureResult[]; summary: CaptureSummary }> {
  const started = performance.now();
  const repeat = options.repeat ?? 1;
  const buildId = options.buildId ?? newBuildId();
  const failures = new BuildRecorder();
  const context = { ...options, buildId, failures };
  // Round by round, every scenario once per round: repeats of one slow scenario do not queue up
  // together. Scenarios that hold the thread inline go last, one at a time (see blocksThread).
  const rounds = Array.from({ length: repeat }, (_, i) => options.scenarios.map((loaded) => ({ loaded, repeat: i }))).flat();
  const holding = (job: (typeof rounds)[number]) => blocksThread(job.loaded.scenario, options.isolation);
  const jobs = [...rounds.filter((j) => !holding(j)), ...rounds.filter(holding)];
  const shared = jobs.length - rounds.filter(holding).length;
  const results: CaptureResult[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const writer = new BatchWriter(options.store);
  // Hostile subjects in workers can keep every core busy, and the main thread, which serves the
  // model and keeps every deadline, would starve. A run's deadline starts with its subject, so
  // waiting here for a worker slot costs it nothing.
  const workerThreads = options.maxWorkers ?? Math.max(1, availableParallelism() - 1);
  if (jobs.some((j) => effectiveIsolation(j.loaded.scenario, options.isolation) === 'worker')) (await import('../execute/worker-pool.ts')).workerPools.resize(workerThreads);
  const workerSlots = pLimit(workerThreads);
  // Storing and reading back go on in the background while the next runs start.
  const persisting = new Set<Promise<void>>();
  const lane = async (until: number) => {
    while (next < until) {
      const index = next++;
      const job = jobs[index]!;
      const run = effectiveIsolation(job.loaded.scenario, options.isolation) === 'worker' ? await workerSlots(() => runOne(job.loaded, job.repeat, context)) : await runOne(job.loaded, job.repeat, context);
      const finished = ('result' in run ? Promise.resolve(run.result) : persist(run, context, writer)).then((result) => {
        results[index] = result;
        options.onResult?.(result, ++done, jobs.length);
      });
      persisting.add(finished);
      void finished.finally(() => persisting.delete(finished));
      // Bound the records held in memory while their writes are in flight.
      if (persisting.size >= MAX_IN_FLIGHT) await Promise.race(persisting);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, shared)) }, () => lane(shared)));
  await lane(jobs.length);
  await Promise.all(persisting);
  const ledger = options.ledger ? await failures.commit(options.ledger.store, { ...options.ledger.settings, buildId }) : null;
  return { results, summary: summarize(results, options.model.mode === 'live', performance.now() - started, { buildId, ledger }) };
}

/** What a run of this capture needs besides the options. */
type RunContext = CaptureOptions & { buildId: string; failures: BuildRecorder };

/**
 * True for a scenario that holds the lab's thread on purpose while it runs inline (a tool fixture
 * with busy_ms): it would delay every deadline of the runs beside it, so capture runs it alone,
 * after the others.
 */
export function blocksThread(scenario: Scenario, isolation: Isolation | undefined): boolean {
  return effectiveIsolation(scenario, isolation) === 'inline' && Object.values(scenario.tools).some((fixtures) => fixtures.some((f) => (f.busy_ms ?? 0) > 0));
}

/** Records held in memory at most while their writes are in flight. */
const MAX_IN_FLIGHT = 2048;

/** Runs one scenario; a fault of the lab ends it here with a result, otherwise it goes on to persist. */
async function runOne({ scenario, file }: LoadedScenario, repeat: number, options: RunContext): Promise<{ result: CaptureResult } | { scenario: Scenario; file: string; repeat: number; trace: TraceRecord; related: RunRecords }> {
  const subject = options.subjects.get(scenario.subject);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  try {
    if (!subject) throw new LabError({ message: `unknown subject ${scenario.subject}`, exitCode: 2 });
    const { trace, related } = await runWithFailureDetection(subject, scenario, { model: options.model, timeoutMs: options.timeoutMs, isolation: options.isolation, tracer: options.tracer, secrets: options.secrets, repeatIndex: repeat, buildId: options.buildId, recordReplies: options.recordReplies });
    return { scenario, file, repeat, trace, related };
  } catch (error) {
    const base = { scenario: scenario.id, subject: scenario.subject, repeat, expected: scenario.expected };
    const lab_error = labError(error, options.secrets);
    options.failures.add(captureOccurrence({ capture: 'lab_error', subject: scenario.subject, scenario: scenario.id, expected: scenario.expected, detected: null, message: `${lab_error.name}: ${lab_error.message}`, labExitCode: lab_error.exit_code, errorClass: lab_error.name, startedAt, file: relativeFile(file, options), triage: scenario.triage ?? {}, tags: scenario.tags }));
    return { result: { ...base, detected: null, matched: false, failure_id: null, trace_id: null, stored: false, retrieved: false, duration_ms: performance.now() - started, message: null, cascade_depth: 0, recovery: null, related: NO_RELATED, lab_error } };
  }
}

/** A scenario file as the ledger records it: relative to the project. */
function relativeFile(file: string, options: Pick<CaptureOptions, 'projectRoot'>): string {
  return path.relative(options.projectRoot ?? process.cwd(), file).split(path.sep).join('/');
}

const NO_RELATED = { failure_traces: 0, recovery_traces: 0, fallback_records: 0 };

/** Persists a run and records its failures (and any failure of the capture with it) for the ledger. */
async function persist({ scenario, file, repeat, trace, related }: { scenario: Scenario; file: string; repeat: number; trace: TraceRecord; related: RunRecords }, options: RunContext, writer: BatchWriter): Promise<CaptureResult> {
  const result = await store({ scenario, repeat, trace, related }, options, writer);
  // Every failure goes to the ledger: the run's own, and any failure of the capture with it.
  const where = { file: relativeFile(file, options), triage: scenario.triage ?? {}, tags: scenario.tags };
  const own = runOccurrence(trace, related, where);
  if (own) options.failures.add(own);
  const capture = (kind: CaptureFailure, message: string) =>
    options.failures.add(captureOccurrence({ capture: kind, subject: scenario.subject, scenario: scenario.id, expected: scenario.expected, detected: trace.detected, message, traceId: trace.trace_id, startedAt: trace.started_at, ...where }));
  if (!result.matched && options.model.mode !== 'live') capture('mismatch', `scenario ${scenario.id} expects ${scenario.expected ?? 'pass'}; the run was detected as ${trace.detected ?? 'pass'}${trace.failure ? ` (${trace.failure.message})` : ''}`);
  if (!result.stored) capture('not_stored', result.lab_error?.message ?? `record ${recordKey(trace)} was not stored`);
  else if (!result.retrieved) capture('not_retrieved', result.lab_error?.message ?? `record ${recordKey(trace)} did not read back intact`);
  return result;
}

/** Stores a run's record and the records derived from it, reads the run back by key and compares. */
async function store({ scenario, repeat, trace, related }: { scenario: Scenario; repeat: number; trace: TraceRecord; related: RunRecords }, options: RunContext, writer: BatchWriter): Promise<CaptureResult> {
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
    related: { failure_traces: related.failure_traces.length, recovery_traces: related.recovery_traces.length, fallback_records: related.fallback_records.length },
    lab_error: null,
  };
  const outcomes = await Promise.all([trace, ...related.failure_traces, ...related.recovery_traces, ...related.fallback_records].map((r) => writer.write(r)));
  const failed = outcomes.find((o) => !o.stored);
  if (failed && !failed.stored) {
    result.lab_error = { name: 'NotStored', message: `record ${failed.key} ${failed.key === recordKey(trace) ? '' : `(derived from run ${recordKey(trace)}) `}was not stored: ${createRedactor(options.secrets ?? [])(failed.error)}`, exit_code: 1 };
    return result;
  }
  result.stored = true;
  try {
    const back = await options.store.get(recordKey(trace));
    result.retrieved = back !== undefined && isDeepStrictEqual(back, trace);
    if (!result.retrieved) {
      result.lab_error = { name: 'RetrievalMismatch', message: back === undefined ? `record ${recordKey(trace)} was stored but is not readable` : `record ${recordKey(trace)} read back differs from the one stored`, exit_code: 1 };
    }
  } catch (error) {
    result.lab_error = labError(error, options.secrets);
  }
  return result;
}

function labError(error: unknown, secrets: readonly string[] = []): NonNullable<CaptureResult['lab_error']> {
  const err = toError(error);
  return { name: err.name, message: createRedactor(secrets)(err.message), exit_code: LabError.isInstance(err) ? err.exitCode : 1 };
}

/** Counts by outcome and the exit code a capture ends with. */
export function summarize(results: readonly CaptureResult[], live: boolean, durationMs: number, { buildId = 'none', ledger = null }: { buildId?: string; ledger?: LedgerSummary | null } = {}): CaptureSummary {
  const byKind: CaptureSummary['by_kind'] = {};
  for (const kind of ['timeout', 'exception', 'validation_error', 'hallucination_flag', 'pass']) byKind[kind] = { expected: 0, detected: 0 };
  for (const r of results) {
    byKind[r.expected ?? 'pass']!.expected++;
    if (r.trace_id !== null) byKind[r.detected ?? 'pass']!.detected++;
  }
  const labErrors = results.filter((r) => r.lab_error);
  const mismatched = results.filter((r) => !r.lab_error && !r.matched).length;
  const allKept = results.every((r) => r.stored && r.retrieved);
  let exitCode = 0;
  if (labErrors.some((r) => r.lab_error!.exit_code === 2)) exitCode = 2;
  else if (!allKept || (!live && mismatched > 0) || labErrors.length > 0) exitCode = 1;
  return {
    runs: results.length,
    matched: results.filter((r) => r.matched).length,
    mismatched,
    stored: results.filter((r) => r.stored).length,
    retrieved: results.filter((r) => r.retrieved).length,
    lab_errors: labErrors.length,
    by_kind: byKind,
    duration_ms: durationMs,
    live,
    build_id: buildId,
    ledger,
    exit_code: exitCode,
  };
}
