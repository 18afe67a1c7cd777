import type { FailureKind } from '../contracts/failure-kind.ts';
import { KIND_PRECEDENCE } from '../contracts/failure-kind.ts';

// The plain object a report is rendered from. gatherReportData builds it from a TraceStore and a
// FailureLedger; renderReportPage turns it into one HTML file. Everything in it is a function of
// the records (and --as-of), in a stable order, so the same records give the same bytes.

/** The version of the report's data format (embedded in the page, for anyone reading it back). */
export const REPORT_FORMAT = 'agent-failure-lab-report/1';

/** A run's outcome: a failure kind, or "pass". */
export type OutcomeName = FailureKind | 'pass';
/** Every outcome, in the order tables and charts list them (the classification's precedence, then pass). */
export const OUTCOMES: readonly OutcomeName[] = [...KIND_PRECEDENCE, 'pass'];

/** Where a run's recovery ended ("none": it tried none). */
export type RecoveryName = 'none' | 'recovered' | 'degraded' | 'failed';
export const RECOVERY_OUTCOMES: readonly RecoveryName[] = ['none', 'recovered', 'degraded', 'failed'];

/** The failure type of a run's own failure ("none" for a pass). */
export type FailureTypeName = 'none' | 'error' | 'timeout' | 'violation' | 'resource';
export const FAILURE_TYPE_NAMES: readonly FailureTypeName[] = ['none', 'error', 'timeout', 'violation', 'resource'];

/** One run as the runs table shows it: small, so 10,000 of them stay light. */
export interface RunRow {
  trace_id: string;
  failure_id: string | null;
  build_id: string | null;
  scenario_id: string;
  subject_id: string;
  repeat_index: number;
  expected: OutcomeName;
  detected: OutcomeName;
  started_at: string;
  duration_ms: number;
  /** Levels of the run's deepest failure cascade (0: none). */
  cascade_depth: number;
  recovery: RecoveryName;
  failure_type: FailureTypeName;
  /** The failure's message, trimmed (null for a pass). */
  message: string | null;
  steps: number;
}

/** A preview trimmed for the report: `cut` when the report or the record cut it; `bytes` is the whole value's size. */
export interface TrimmedPreview {
  type: string;
  text: string;
  bytes: number;
  cut: boolean;
}

/** A step's preview with what it shows ("request", "response", "arguments", "result", "detail"). */
export interface LabelledPreview extends TrimmedPreview {
  label: string;
}

/** An error as a run's view shows it. */
export interface ErrorView {
  class: string;
  name: string;
  message: string;
  code: string | null;
  status: number | null;
  thrown: string;
  cause: { class: string; message: string } | null;
  /** The first lines of the stack (null when the record kept none). */
  stack: string | null;
}

/** One step of a run's timeline. Times are milliseconds from the run's start; fields that would be null are left out. */
export interface StepView {
  index: number;
  type: 'model_call' | 'tool_call' | 'check' | 'recovery' | 'turn';
  name: string;
  status: string;
  start_ms: number;
  duration_ms: number | null;
  /** The agent running (multi-agent subjects). */
  agent?: string;
  /** The turn of a conversation the step belongs to. */
  turn?: number;
  error?: ErrorView;
  /** What the step was about, one line: "chat.completions · lab-model · HTTP 200 · stop", "get_weather", "output_schema passed". */
  summary: string;
  /** Request and response (model calls), arguments and result (tool calls), detail (checks). */
  previews: LabelledPreview[];
  /** Recovery actions: what they did. */
  recovery?: {
    action: string;
    target: string;
    outcome: string | null;
    episode: number;
    trigger: string | null;
    inner_steps: number[];
    fallback: string | null;
    metadata: Record<string, string | number | boolean | null>;
  };
}

/** One failure in a cascade. */
export interface CascadeNodeView {
  /** The index of its parent among the trace's nodes (null: the primary). */
  parent: number | null;
  /** It is the run's own failure (the run's failure_id). */
  own: boolean;
  hop: number;
  failure_type: string;
  /** Where it showed: a step ("step 2: execute_tool get_forecast"), the run, or the raw ref. */
  where: string;
  /** The step it showed at, for a link; null when it is not a step. */
  step_index: number | null;
  at_ms: number;
  message: string | null;
}

/** A failure trace of the run. */
export interface FailureTraceView {
  trace_id: string;
  primary_type: string;
  component: string | null;
  nodes: CascadeNodeView[];
}

/** A recovery episode of the run. */
export interface RecoveryTraceView {
  trace_id: string;
  trigger_type: string;
  final_outcome: string;
  actions: {
    sequence: number;
    action_type: string;
    target: string;
    outcome: string;
    duration_ms: number | null;
    at_ms: number;
  }[];
}

/** A fallback the run took. */
export interface FallbackView {
  fallback_id: string;
  fallback_type: string;
  path: string;
  name: string | null;
  primary: string;
  outcome: string;
  confidence_impact: string | null;
}

/** The failure of a run, with its evidence. */
export interface FailureView {
  failure_id: string;
  kind: FailureKind;
  message: string;
  step_index: number | null;
  location: { step_index: number | null; span_id: string | null; agent: string | null; turn?: number };
  taxonomy: { version: string; trail: string | null; mast: string | null };
  timeout: { source: string; deadline_ms: number; elapsed_ms: number } | null;
  error: ErrorView | null;
  validation: { source: string; issues: { path: string; code: string; message: string }[]; more: number } | null;
  grounding: {
    flags: {
      check: string;
      path: string;
      claim: string;
      reason: string;
      known: string[] | null;
      known_more: number;
      expected: string | null;
    }[];
    more: number;
  } | null;
}

/** Everything a run's view shows; rendered on demand by the page's script. */
export interface RunDetail {
  trace_id: string;
  failure_id: string | null;
  build_id: string | null;
  scenario_id: string;
  subject_id: string;
  expected: OutcomeName;
  detected: OutcomeName;
  started_at: string;
  duration_ms: number;
  run: { mode: string; isolation: string; deadline_ms: number; repeat_index: number };
  model: string;
  otel: { trace_id: string; span_id: string };
  input: TrimmedPreview;
  output: TrimmedPreview | null;
  steps: StepView[];
  failure: FailureView | null;
  failure_traces: FailureTraceView[];
  recovery_traces: RecoveryTraceView[];
  fallbacks: FallbackView[];
  /** Set when the store held no derived records for the run and they were derived again from it. */
  derived?: true;
}

/** A count per key, in a fixed order of keys. */
export type Counts<K extends string> = { key: K; count: number }[];

/** A bucket of the run durations' histogram. */
export interface DurationBucket {
  label: string;
  /** Inclusive lower bound and exclusive upper bound, in ms (null: unbounded). */
  from_ms: number;
  to_ms: number | null;
  count: number;
}

/** The overview: what the runs in scope amount to. */
export interface Overview {
  runs: number;
  matched: number;
  mismatched: number;
  /** Runs found in the store and read back intact (every run the report holds). */
  stored: number;
  /** Runs the ledger says were not stored, or not read back intact, in the builds in scope. */
  not_stored: number;
  not_retrieved: number;
  builds: { build_id: string | null; runs: number; first_started_at: string; last_started_at: string }[];
  first_started_at: string | null;
  last_started_at: string | null;
  /** expected (rows) against detected (columns), every pair in OUTCOMES order. */
  confusion: { expected: OutcomeName; detected: OutcomeName; count: number }[];
  by_expected: Counts<OutcomeName>;
  by_detected: Counts<OutcomeName>;
  by_subject: { subject_id: string; runs: number; mismatched: number; by_detected: Counts<OutcomeName> }[];
  by_failure_type: Counts<FailureTypeName>;
  durations: DurationBucket[];
  duration_stats: { median_ms: number; p90_ms: number; max_ms: number } | null;
  cascade_depths: { depth: number; count: number }[];
  recovery: Counts<RecoveryName>;
  /** The runs whose detected kind differs from the expected one (all of them). */
  mismatches: string[];
}

/** A failure record as the ledger view lists it. */
export interface LedgerFailureView {
  failure_id: string;
  build_id: string;
  timestamp: string;
  category: string;
  subcategory: string;
  severity: string;
  /** The status at as_of. */
  status: string;
  summary: string;
  component: string;
  scenario_id: string | null;
  kind: string | null;
  fingerprint: string;
  runs: number;
  sla_target: string;
  /** Open past its target at as_of. */
  overdue: boolean;
  /** First resolved after its target. */
  resolved_late: boolean;
  is_repeat: boolean;
  escalations: number;
  regression: boolean;
  /** The run it stands for, when the report holds it (a link to its view). */
  trace_id: string | null;
}

/** The ledger's view: open failures, trends, repeats, MTTR, SLA, lifecycle, prevention, the reports. */
export interface LedgerView {
  records: number;
  /** Records of the build in scope (null when the report covers every build). */
  records_in_build: number | null;
  by_status: Counts<string>;
  /** Open (OPEN or INVESTIGATING at as_of) records by category and severity. */
  open_by_category_severity: { category: string; severity: string; count: number }[];
  open: LedgerFailureView[];
  open_more: number;
  trends: {
    date: string;
    recorded: number;
    runs: number;
    repeats: number;
    regressions: number;
    resolved: number;
    prevented: number;
    reopened: number;
    escalations: number;
    by_severity: Record<string, number>;
  }[];
  totals: {
    recorded: number;
    runs: number;
    repeats: number;
    regressions: number;
    resolved: number;
    prevented: number;
    reopened: number;
    escalations: number;
  };
  repeats: {
    fingerprint: string;
    category: string;
    subcategory: string;
    component: string;
    records: number;
    runs: number;
    first_seen: string;
    last_seen: string;
    latest_status: string;
    escalations: number;
    regressions: number;
    latest_failure_id: string;
  }[];
  escalations: {
    failure_id: string;
    level: string;
    to: string | null;
    at: string;
    occurrence: number;
    build_id: string;
  }[];
  mttr: {
    group: string;
    records: number;
    resolved: number;
    mean_hours: number | null;
    median_hours: number | null;
    p90_hours: number | null;
    max_hours: number | null;
    prevented: number;
    open: number;
    overdue: number;
    within_sla: number;
    late: number;
  }[];
  breaches: LedgerFailureView[];
  breaches_more: number;
  prevented: {
    failure_id: string;
    category: string;
    summary: string;
    verified_at: string;
    regression: string;
    control: string;
    fingerprint_held: boolean;
  }[];
  weekly_markdown: string;
  monthly_markdown: string;
}

/** What changed between two builds. */
export interface Comparison {
  baseline_id: string;
  build_id: string;
  baseline_runs: number;
  runs: number;
  scenarios_added: string[];
  scenarios_removed: string[];
  kind_changed: {
    scenario_id: string;
    subject_id: string;
    repeat_index: number;
    expected: OutcomeName;
    baseline: OutcomeName;
    current: OutcomeName;
    baseline_trace_id: string;
    trace_id: string;
  }[];
  /** Failures are told apart by fingerprint when the ledger holds either build, else by scenario and kind. */
  failures_by: 'fingerprint' | 'scenario_and_kind';
  new_failures: { key: string; label: string; severity: string | null; scenarios: string[]; trace_id: string | null }[];
  failures_gone: {
    key: string;
    label: string;
    severity: string | null;
    scenarios: string[];
    trace_id: string | null;
  }[];
}

/** Everything a report shows. */
export interface ReportData {
  format: typeof REPORT_FORMAT;
  title: string;
  /** The instant the ledger is read at: --as-of, LAB_NOW, or just after the newest record. */
  as_of: string | null;
  as_of_source: 'flag' | 'env' | 'records' | 'none';
  scope: { store: string; build_id: string | null; baseline_id: string | null };
  overview: Overview;
  runs: RunRow[];
  /** Each run's view, by trace id, in the order of `runs` (then the baseline's runs the comparison names). */
  details: Record<string, RunDetail>;
  /** null when no ledger was read (capture --no-ledger). */
  ledger: LedgerView | null;
  compare: Comparison | null;
}
