import { computeAnalytics } from '../analytics/compute-analytics.ts';
import { monthlyReport } from '../analytics/monthly-report.ts';
import { isOpen, type RecordTimeline, timelineAt } from '../analytics/record-timeline.ts';
import { parseAsOf } from '../analytics/utc-calendar.ts';
import { weeklyReport } from '../analytics/weekly-report.ts';
import type { DurationStats, MttrGroup } from '../contracts/failure-analytics.ts';
import { FAILURE_CATEGORIES, type FailureRecord, SEVERITIES, STATUSES } from '../contracts/failure-record.ts';
import type { LedgerFailureView, LedgerView } from './report-data.ts';

/** Rows the open-failures and SLA-breach tables list; the rest are counted. */
export const LEDGER_LIST_MAX = 200;

const SEVERITY_RANK = new Map<string, number>(SEVERITIES.map((s, i) => [s, i]));

function failureView(
  record: FailureRecord,
  t: RecordTimeline,
  asOfMs: number,
  runIds: ReadonlySet<string>,
): LedgerFailureView {
  return {
    failure_id: record.failure_id,
    build_id: record.build_id,
    timestamp: record.timestamp,
    category: record.category,
    subcategory: record.subcategory,
    severity: record.severity,
    status: t.status,
    summary: record.failure_description.summary,
    component: record.context.component,
    scenario_id: record.lab.scenario_id,
    kind: record.lab.kind,
    fingerprint: record.lab.fingerprint,
    runs: record.lab.occurrences.count,
    sla_target: record.metadata.sla_resolution_target,
    overdue: isOpen(t.status) && t.targetMs < asOfMs,
    resolved_late: t.firstResolvedMs !== null && t.firstResolvedMs > t.targetMs,
    is_repeat: record.repetition_tracking.is_repeat,
    escalations: t.escalationsMs.length,
    regression: record.lab.regression !== null,
    trace_id: record.lab.trace_id !== null && runIds.has(record.lab.trace_id) ? record.lab.trace_id : null,
  };
}

/** Most severe first, then oldest, then by id: the order a person works through failures. */
function bySeverity(a: LedgerFailureView, b: LedgerFailureView): number {
  return (
    SEVERITY_RANK.get(a.severity)! - SEVERITY_RANK.get(b.severity)! ||
    (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0) ||
    (a.failure_id < b.failure_id ? -1 : 1)
  );
}

function mttrRow(group: string, g: MttrGroup) {
  const d: DurationStats = g.resolution;
  return {
    group,
    records: g.records,
    resolved: d.count,
    mean_hours: d.mean_hours,
    median_hours: d.median_hours,
    p90_hours: d.p90_hours,
    max_hours: d.max_hours,
    prevented: g.prevention.count,
    open: g.sla.open,
    overdue: g.sla.overdue,
    within_sla: g.sla.resolved_within_sla,
    late: g.sla.resolved_late,
  };
}

/**
 * The ledger's view as of an instant: open failures by category and severity, trends, repeats and
 * escalations, MTTR and SLA, lifecycle states, verified preventions, and the weekly and monthly
 * reports, all from the ledger's own analytics (computeAnalytics, weeklyReport, monthlyReport).
 * `runIds` are the runs the report holds, so a failure can link to its run.
 */
export async function ledgerView(
  records: readonly FailureRecord[],
  options: { asOf: string; buildId: string | null; runIds: ReadonlySet<string> },
): Promise<LedgerView> {
  const asOfMs = parseAsOf(options.asOf);
  const analytics = await computeAnalytics(records, { asOf: options.asOf });
  const open: LedgerFailureView[] = [];
  const breaches: LedgerFailureView[] = [];
  const prevented: LedgerView['prevented'] = [];
  const escalations: LedgerView['escalations'] = [];
  const openCells = new Map<string, number>();
  let inScope = 0;
  let counted = 0;
  for (const record of records) {
    const t = timelineAt(record, asOfMs);
    if (!t) continue;
    counted++;
    if (record.build_id === options.buildId) inScope++;
    const view = failureView(record, t, asOfMs, options.runIds);
    if (isOpen(t.status)) {
      open.push(view);
      const key = `${record.category} ${record.severity}`;
      openCells.set(key, (openCells.get(key) ?? 0) + 1);
    }
    if (view.overdue || view.resolved_late) breaches.push(view);
    const v = record.lab.verification;
    if (t.status === 'PREVENTED' && v && Date.parse(v.verified_at) < asOfMs) {
      prevented.push({
        failure_id: record.failure_id,
        category: record.category,
        summary: record.failure_description.summary,
        verified_at: v.verified_at,
        regression: v.regression.scenario_id,
        control: v.control.scenario_id,
        fingerprint_held: v.regression.fingerprint === record.lab.fingerprint,
      });
    }
    for (const e of record.lab.escalations)
      if (Date.parse(e.at) < asOfMs)
        escalations.push({
          failure_id: record.failure_id,
          level: e.level,
          to: e.to,
          at: e.at,
          occurrence: e.occurrence,
          build_id: e.build_id,
        });
  }
  open.sort(bySeverity);
  breaches.sort(bySeverity);
  prevented.sort((a, b) =>
    a.verified_at < b.verified_at ? -1 : a.verified_at > b.verified_at ? 1 : a.failure_id < b.failure_id ? -1 : 1,
  );
  escalations.sort((a, b) =>
    a.at < b.at
      ? -1
      : a.at > b.at
        ? 1
        : a.failure_id < b.failure_id
          ? -1
          : a.failure_id > b.failure_id
            ? 1
            : a.occurrence - b.occurrence,
  );
  const { trends, byCategory, repeats, mttr } = analytics;
  return {
    records: counted,
    records_in_build: options.buildId === null ? null : inScope,
    by_status: STATUSES.map((key) => ({ key, count: byCategory.by_status[key] })),
    open_by_category_severity: FAILURE_CATEGORIES.flatMap((category) =>
      SEVERITIES.map((severity) => ({ category, severity, count: openCells.get(`${category} ${severity}`) ?? 0 })),
    ),
    open: open.slice(0, LEDGER_LIST_MAX),
    open_more: Math.max(0, open.length - LEDGER_LIST_MAX),
    trends: trends.days.map((d) => ({
      date: d.date,
      recorded: d.recorded,
      runs: d.runs,
      repeats: d.repeats,
      regressions: d.regressions,
      resolved: d.resolved,
      prevented: d.prevented,
      reopened: d.reopened,
      escalations: d.escalations,
      by_severity: { ...d.by_severity },
    })),
    totals: {
      recorded: trends.totals.recorded,
      runs: trends.totals.runs,
      repeats: trends.totals.repeats,
      regressions: trends.totals.regressions,
      resolved: trends.totals.resolved,
      prevented: trends.totals.prevented,
      reopened: trends.totals.reopened,
      escalations: trends.totals.escalations,
    },
    repeats: repeats.failures.slice(0, 50).map((f) => ({
      fingerprint: f.fingerprint,
      category: f.category,
      subcategory: f.subcategory,
      component: f.component,
      records: f.records,
      runs: f.runs,
      first_seen: f.first_seen,
      last_seen: f.last_seen,
      latest_status: f.latest_status,
      escalations: f.escalations,
      regressions: f.regressions,
      latest_failure_id: f.latest_failure_id,
    })),
    escalations: escalations.slice(-LEDGER_LIST_MAX),
    mttr: [
      mttrRow('all', mttr.overall),
      ...mttr.by_severity.map((g) => mttrRow(g.severity, g)),
      ...mttr.by_category.map((g) => mttrRow(g.category, g)),
    ],
    breaches: breaches.slice(0, LEDGER_LIST_MAX),
    breaches_more: Math.max(0, breaches.length - LEDGER_LIST_MAX),
    prevented,
    weekly_markdown: await weeklyReport(records, { asOf: options.asOf }),
    monthly_markdown: await monthlyReport(records, { asOf: options.asOf }),
  };
}

/** The view of a ledger with nothing in it, and no instant to read it at (a report of nothing). */
export function emptyLedgerView(): LedgerView {
  const zero = {
    recorded: 0,
    runs: 0,
    repeats: 0,
    regressions: 0,
    resolved: 0,
    prevented: 0,
    reopened: 0,
    escalations: 0,
  };
  return {
    records: 0,
    records_in_build: null,
    by_status: STATUSES.map((key) => ({ key, count: 0 })),
    open_by_category_severity: [],
    open: [],
    open_more: 0,
    trends: [],
    totals: zero,
    repeats: [],
    escalations: [],
    mttr: [],
    breaches: [],
    breaches_more: 0,
    prevented: [],
    weekly_markdown: '',
    monthly_markdown: '',
  };
}
