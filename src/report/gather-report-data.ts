import { ledgerRecords } from '../analytics/ledger-records.ts';
import type { FailureRecord } from '../contracts/failure-record.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { FailureLedger } from '../ledger-store/failure-ledger.ts';
import type { TraceStore } from '../store/trace-store.ts';
import { type AttemptChoice, lastCompleteAttempts } from './build-attempts.ts';
import { compareBuilds } from './compare-builds.ts';
import { emptyLedgerView, ledgerView } from './ledger-view.ts';
import { overviewOf } from './overview.ts';
import { relatedOf, storedRelated, storeRecords } from './read-runs.ts';
import { REPORT_FORMAT, type ReportData, type RunDetail, type RunRow } from './report-data.ts';
import { runDetail, runRow } from './run-view.ts';

/** What a report covers. */
export interface GatherOptions {
  store: TraceStore;
  /** The failure ledger; null leaves the ledger out (capture --no-ledger). */
  ledger: FailureLedger | null;
  /** One build's runs; undefined for every run in the store. */
  buildId?: string;
  /** A build to compare with (needs buildId). */
  baselineId?: string;
  /** The instant the ledger is read at; without it, just after the newest record the report reads. */
  asOf?: { time: string; source: 'flag' | 'env' };
  title?: string;
  /** Every attempt of a build captured more than once; by default only its last complete attempt's runs (build-attempts.ts). */
  allAttempts?: boolean;
  /** Told of each build whose other attempts were set aside. */
  onAttempts?: (choice: AttemptChoice) => void;
}

/** Runs of one build (or all), in the store's order (started_at, then key): of each build, one attempt's unless allAttempts. */
async function readRuns(
  store: TraceStore,
  buildId: string | undefined,
  options: Pick<GatherOptions, 'allAttempts' | 'onAttempts'>,
): Promise<TraceRecord[]> {
  const runs: TraceRecord[] = [];
  for await (const trace of storeRecords(store, 'trace_record', buildId)) runs.push(trace);
  if (options.allAttempts) return runs;
  const chosen = lastCompleteAttempts(runs);
  for (const choice of chosen.choices) options.onAttempts?.(choice);
  return chosen.runs;
}

/** Runs as rows and details, with the records derived from each. */
function viewsOf(
  runs: readonly TraceRecord[],
  related: Awaited<ReturnType<typeof storedRelated>>,
): { rows: RunRow[]; details: Map<string, RunDetail>; newest: string | null } {
  const rows: RunRow[] = [];
  const details = new Map<string, RunDetail>();
  let newest: string | null = null;
  for (const trace of runs) {
    const { records, derived } = relatedOf(trace, related);
    rows.push(runRow(trace, records));
    details.set(trace.trace_id, runDetail(trace, records, derived));
    if (newest === null || trace.ended_at > newest) newest = trace.ended_at;
  }
  return { rows, details, newest };
}

/** The newest instant a ledger record holds: its timestamp, status changes, escalations, verification. */
function newestIn(records: readonly FailureRecord[]): string | null {
  let newest: string | null = null;
  const see = (t: string) => {
    if (newest === null || t > newest) newest = t;
  };
  for (const r of records) {
    see(r.timestamp);
    r.lab.status_history.forEach((h) => see(h.at));
    r.lab.escalations.forEach((e) => see(e.at));
    if (r.lab.verification) see(r.lab.verification.verified_at);
  }
  return newest;
}

/**
 * Reads everything a report shows into one plain object: the runs in scope with their derived
 * records, the overview, the ledger's analytics and reports, and the comparison with a baseline
 * build. It depends on nothing but the records (and asOf): no clock, no randomness.
 */
export async function gatherReportData(options: GatherOptions): Promise<ReportData> {
  const { store, buildId, baselineId } = options;
  const scopeRuns = await readRuns(store, buildId, options);
  const baselineRuns = baselineId === undefined ? null : await readRuns(store, baselineId, options);
  const related = await storedRelated(store, new Set([...scopeRuns, ...(baselineRuns ?? [])].map((r) => r.trace_id)));
  const scope = viewsOf(scopeRuns, related);
  const baseline = baselineRuns === null ? null : viewsOf(baselineRuns, related);
  const ledger: FailureRecord[] = [];
  if (options.ledger) for await (const r of ledgerRecords(options.ledger)) ledger.push(r);

  // The ledger is read as of --as-of, else just after the newest record: never the clock.
  let asOf: string | null = options.asOf?.time ?? null;
  let asOfSource: ReportData['as_of_source'] = options.asOf?.source ?? 'none';
  if (asOf === null) {
    const newest = [scope.newest, baseline?.newest ?? null, newestIn(ledger)]
      .filter((t) => t !== null)
      .sort()
      .at(-1);
    if (newest !== undefined) {
      asOf = new Date(Date.parse(newest) + 1).toISOString();
      asOfSource = 'records';
    }
  }

  const runIds = new Set(scope.rows.map((r) => r.trace_id));
  const inScope = (r: FailureRecord) => buildId === undefined || r.build_id === buildId;
  const lostBy = (rule: string) =>
    ledger
      .filter((r) => inScope(r) && r.lab.rule === rule && (asOf === null || r.timestamp < asOf))
      .reduce((n, r) => n + r.lab.occurrences.count, 0);
  const details: Record<string, RunDetail> = Object.fromEntries(scope.details);

  let compare: ReportData['compare'] = null;
  if (baseline && baselineId !== undefined && buildId !== undefined) {
    const bothIds = new Set([...runIds, ...baseline.rows.map((r) => r.trace_id)]);
    compare = compareBuilds({
      baselineId,
      buildId,
      baseline: baseline.rows,
      current: scope.rows,
      ledger,
      runIds: bothIds,
    });
    // The baseline's runs the comparison names get a view too.
    const named = [
      ...compare.kind_changed.map((k) => k.baseline_trace_id),
      ...compare.failures_gone.map((f) => f.trace_id),
    ];
    for (const id of named)
      if (id !== null && !details[id] && baseline.details.has(id)) details[id] = baseline.details.get(id)!;
  }

  return {
    format: REPORT_FORMAT,
    title: options.title ?? 'Agent failure lab report',
    as_of: asOf,
    as_of_source: asOfSource,
    scope: { store: store.name, build_id: buildId ?? null, baseline_id: baselineId ?? null },
    overview: overviewOf(scope.rows, {
      not_stored: lostBy('capture.not-stored'),
      not_retrieved: lostBy('capture.not-retrieved'),
    }),
    runs: scope.rows,
    details,
    ledger:
      options.ledger === null
        ? null
        : asOf === null
          ? emptyLedgerView()
          : await ledgerView(ledger, { asOf, buildId: buildId ?? null, runIds }),
    compare,
  };
}
