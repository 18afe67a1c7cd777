import type { Outcome } from '../contracts/failure-kind.ts';
import type { LedgerSummary } from '../ledger/record-build.ts';

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
  /** What recording the build's failures in the ledger did; null when no ledger was given, or it failed. */
  ledger: LedgerSummary | null;
  /** Why the build's failures could not be recorded in the ledger (the runs are stored all the same), or null. */
  ledger_error: string | null;
  /** 0 all as expected, 1 a mismatch or a record not stored and retrieved, 2 bad input or configuration. */
  exit_code: number;
}

const KINDS = ['timeout', 'exception', 'validation_error', 'hallucination_flag', 'pass'] as const;

/**
 * The counts of a capture, kept as runs complete: a capture of any size holds these numbers and
 * nothing per run. merge counts a sharded build with it too.
 */
export class SummaryCounter {
  runs = 0;
  matched = 0;
  mismatched = 0;
  stored = 0;
  retrieved = 0;
  labErrors = 0;
  #usageErrors = 0;
  #notKept = 0;
  readonly byKind: CaptureSummary['by_kind'] = Object.fromEntries(KINDS.map((k) => [k, { expected: 0, detected: 0 }]));

  add(
    r: Pick<CaptureResult, 'expected' | 'detected' | 'matched' | 'trace_id' | 'stored' | 'retrieved' | 'lab_error'>,
  ): void {
    this.runs++;
    this.byKind[r.expected ?? 'pass']!.expected++;
    if (r.trace_id !== null) this.byKind[r.detected ?? 'pass']!.detected++;
    if (r.matched) this.matched++;
    if (r.stored) this.stored++;
    if (r.retrieved) this.retrieved++;
    if (!(r.stored && r.retrieved)) this.#notKept++;
    if (r.lab_error) {
      this.labErrors++;
      if (r.lab_error.exit_code === 2) this.#usageErrors++;
    } else if (!r.matched) this.mismatched++;
  }

  /** The summary so far: 2 for a run the scenario or the configuration kept from running, else 1 for any run not as expected, kept or classified, or a ledger not written. */
  summary(
    live: boolean,
    durationMs: number,
    {
      buildId = 'none',
      ledger = null,
      ledgerError = null,
    }: { buildId?: string; ledger?: LedgerSummary | null; ledgerError?: string | null } = {},
  ): CaptureSummary {
    let exitCode = 0;
    if (this.#usageErrors > 0) exitCode = 2;
    else if (this.#notKept > 0 || (!live && this.mismatched > 0) || this.labErrors > 0 || ledgerError !== null)
      exitCode = 1;
    return {
      runs: this.runs,
      matched: this.matched,
      mismatched: this.mismatched,
      stored: this.stored,
      retrieved: this.retrieved,
      lab_errors: this.labErrors,
      by_kind: structuredClone(this.byKind),
      duration_ms: durationMs,
      live,
      build_id: buildId,
      ledger,
      ledger_error: ledgerError,
      exit_code: exitCode,
    };
  }
}

/** Counts by outcome and the exit code a capture ends with. */
export function summarize(
  results: readonly CaptureResult[],
  live: boolean,
  durationMs: number,
  options: { buildId?: string; ledger?: LedgerSummary | null; ledgerError?: string | null } = {},
): CaptureSummary {
  const counter = new SummaryCounter();
  for (const r of results) counter.add(r);
  return counter.summary(live, durationMs, options);
}
