import {
  FAILURE_CATEGORIES,
  type FailureCategory,
  type FailureRecord,
  type FailureStatus,
  SEVERITIES,
  type Severity,
} from '../contracts/failure-record.ts';
import { BoundedList, compareText } from './bounded-list.ts';
import { inOrder } from './counts.ts';
import { DurationHistogram } from './duration-histogram.ts';
import { isOpen, isReopen, type RecordTimeline, timelineAt } from './record-timeline.ts';
import { compareRecordKeys, type RecordKey } from './repeat-failures.ts';
import { DAY_MS } from './utc-calendar.ts';

/** The most rows a report table lists; the rest are counted ("and 3 more"). */
export const REPORT_ROWS = 20;

/** What a run of each severity costs, for the automation priorities: CRITICAL weighs 8 runs of LOW. */
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = { CRITICAL: 8, HIGH: 4, MEDIUM: 2, LOW: 1 };

/** Machine suggestions in prevention_measures start with this. */
const SUGGESTED = 'suggested: ';

/** A half-open span of time [fromMs, toMs). */
export interface Period {
  fromMs: number;
  toMs: number;
}

const within = (ms: number, p: Period) => p.fromMs <= ms && ms < p.toMs;

/** One row of a trend table: what happened in a period. */
export interface SliceCounts extends Period {
  recorded: number;
  runs: number;
  /** CRITICAL or HIGH. */
  severe: number;
  repeats: number;
  /** Records first resolved (RESOLVED or PREVENTED) in the period, and how long that took. */
  resolution: DurationHistogram;
  /** Records first prevented in the period. */
  prevented: number;
  reopened: number;
}

/** A failure past its SLA: still open at as-of, or resolved late in the window. */
export interface Breach {
  failureId: string;
  /** Orders ties before the id, so records of one build sort alike whatever their random ids. */
  fingerprint: string;
  severity: Severity;
  targetMs: number;
  overdueMs: number;
  /** Its status at as-of. */
  status: FailureStatus;
  open: boolean;
}

/** A failure marked PREVENTED in the window. */
export interface PreventionRow {
  failureId: string;
  fingerprint: string;
  category: FailureCategory;
  atMs: number;
  /** Measures people adopted (the machine suggestions left out). */
  adopted: string[];
  verifiedMs: number | null;
}

/** One governance update, dated by its record's prevention (or else resolution). */
export interface GovernanceRow {
  text: string;
  failureId: string;
  fingerprint: string;
  category: FailureCategory;
  atMs: number;
}

/** One failure (fingerprint): all its records up to as-of, and what it did in the window. */
export interface FingerprintSummary {
  fingerprint: string;
  totalRecords: number;
  windowRecords: number;
  windowRuns: number;
  /** Runs in the window, each weighted by its record's severity. */
  windowCost: number;
  windowEscalations: number;
  /** The highest severity of its records in the window. */
  worstSeverity: Severity;
  latest: RecordKey & { category: FailureCategory; subcategory: string; component: string; status: FailureStatus };
  /** Its best prevention measure: one a person adopted rather than a suggestion, then the latest record's. */
  measure: (RecordKey & { text: string; adopted: boolean }) | null;
}

/** Resolutions of a group in the window. */
export interface ResolutionSummary {
  durations: DurationHistogram;
  withinSla: number;
  late: number;
}

/** The window of a report. */
export interface WindowOptions {
  asOfMs: number;
  /** The window: [asOf − days, asOf). */
  days: number;
  /** The length of a trend row. */
  sliceDays: number;
  /** How far back the trend rows go (default: the window); the weekly report looks one week further. */
  trendDays?: number;
}

/** A record's first adopted measure, or else its first suggestion (without the prefix). */
function measureOf(record: FailureRecord, key: RecordKey): FingerprintSummary['measure'] {
  const measures = record.prevention.prevention_measures;
  const adopted = measures.find((m) => !m.startsWith(SUGGESTED));
  if (adopted !== undefined) return { ...key, text: adopted, adopted: true };
  return measures[0] === undefined ? null : { ...key, text: measures[0].slice(SUGGESTED.length), adopted: false };
}

const newResolution = (): ResolutionSummary => ({ durations: new DurationHistogram(), withinSla: 0, late: 0 });

function mapEntry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (!value) map.set(key, (value = create()));
  return value;
}

/**
 * What the weekly and monthly reports say about a window [asOf − N days, asOf), gathered in one
 * pass over every record up to as-of (older records count too: an old failure can be overdue,
 * reopened or repeated this week). Memory grows with categories, fingerprints and periods; every
 * list a report prints is a BoundedList of REPORT_ROWS.
 */
export class ReportWindow {
  readonly window: Period;
  readonly asOfMs: number;
  readonly slices: SliceCounts[];
  recorded = 0;
  runs = 0;
  repeats = 0;
  regressions = 0;
  escalations = 0;
  readonly byCategory = new Map<
    FailureCategory,
    { records: number; runs: number; subcategories: Map<string, number> }
  >();
  readonly bySeverity = new Map<Severity, { records: number; runs: number; open: number; overdue: number }>();
  readonly resolved = newResolution();
  readonly resolvedBySeverity = new Map<Severity, ResolutionSummary>();
  readonly breaches = new BoundedList<Breach>(
    REPORT_ROWS,
    (a, b) =>
      b.overdueMs - a.overdueMs || compareText(a.fingerprint, b.fingerprint) || compareText(a.failureId, b.failureId),
  );
  openBreaches = 0;
  readonly prevented = new BoundedList<PreventionRow>(
    REPORT_ROWS,
    (a, b) => a.atMs - b.atMs || compareText(a.fingerprint, b.fingerprint) || compareText(a.failureId, b.failureId),
  );
  verifiedPrevented = 0;
  /** Records recorded in the window whose only measures are machine suggestions. */
  suggestionsOnly = 0;
  reopenedAfterResolved = 0;
  reopenedAfterPrevented = 0;
  /** Up to as-of: records ever prevented, and those of them reopened after it. */
  everPrevented = 0;
  cameBackAfterPrevention = 0;
  readonly governance = new BoundedList<GovernanceRow>(
    REPORT_ROWS,
    (a, b) =>
      a.atMs - b.atMs ||
      compareText(a.fingerprint, b.fingerprint) ||
      compareText(a.failureId, b.failureId) ||
      compareText(a.text, b.text),
  );
  readonly governanceByCategory = new Map<FailureCategory, number>();
  governanceImplications = 0;
  propagationRequired = 0;
  propagationComplete = 0;
  readonly #fingerprints = new Map<string, FingerprintSummary>();

  constructor({ asOfMs, days, sliceDays, trendDays = days }: WindowOptions) {
    this.asOfMs = asOfMs;
    this.window = { fromMs: asOfMs - days * DAY_MS, toMs: asOfMs };
    // Slices run back from as-of, so every one but the oldest is a whole `sliceDays` long.
    const trendFromMs = asOfMs - trendDays * DAY_MS;
    const slices: SliceCounts[] = [];
    for (let toMs = asOfMs; toMs > trendFromMs; toMs -= sliceDays * DAY_MS) {
      const fromMs = Math.max(trendFromMs, toMs - sliceDays * DAY_MS);
      slices.unshift({
        fromMs,
        toMs,
        recorded: 0,
        runs: 0,
        severe: 0,
        repeats: 0,
        resolution: new DurationHistogram(),
        prevented: 0,
        reopened: 0,
      });
    }
    this.slices = slices;
  }

  add(record: FailureRecord, timeline: RecordTimeline): void {
    const inWindow = within(timeline.recordedMs, this.window);
    this.#fingerprint(record, timeline, inWindow);
    this.#slices(record, timeline);
    if (inWindow) this.#recorded(record, timeline);
    this.#resolution(record, timeline);
    this.#prevention(record, timeline);
    this.#governance(record, timeline);
    this.escalations += timeline.escalationsMs.filter((at) => within(at, this.window)).length;
  }

  /** Fingerprints with a record in the window, in no particular order. */
  fingerprints(): FingerprintSummary[] {
    return [...this.#fingerprints.values()].filter((f) => f.windowRecords > 0);
  }

  /** Categories with records in the window, in contract order. */
  categories(): { category: FailureCategory; records: number; runs: number; subcategories: [string, number][] }[] {
    return inOrder(this.byCategory, FAILURE_CATEGORIES).map(([category, c]) => ({
      category,
      records: c.records,
      runs: c.runs,
      subcategories: [...c.subcategories.entries()].sort(([a, x], [b, y]) => y - x || compareText(a, b)),
    }));
  }

  /** Every severity, CRITICAL first, with its records in the window. */
  severities(): { severity: Severity; records: number; runs: number; open: number; overdue: number }[] {
    return SEVERITIES.map((severity) => ({
      severity,
      ...(this.bySeverity.get(severity) ?? { records: 0, runs: 0, open: 0, overdue: 0 }),
    }));
  }

  #recorded(record: FailureRecord, timeline: RecordTimeline): void {
    const runs = record.lab.occurrences.count;
    this.recorded++;
    this.runs += runs;
    if (record.repetition_tracking.is_repeat) this.repeats++;
    if (record.lab.regression !== null) this.regressions++;
    const category = mapEntry(this.byCategory, record.category, () => ({
      records: 0,
      runs: 0,
      subcategories: new Map<string, number>(),
    }));
    category.records++;
    category.runs += runs;
    category.subcategories.set(record.subcategory, (category.subcategories.get(record.subcategory) ?? 0) + 1);
    const severity = mapEntry(this.bySeverity, record.severity, () => ({ records: 0, runs: 0, open: 0, overdue: 0 }));
    severity.records++;
    severity.runs += runs;
    if (isOpen(timeline.status)) {
      severity.open++;
      if (timeline.targetMs < this.asOfMs) severity.overdue++;
    }
    const measures = record.prevention.prevention_measures;
    if (measures.length > 0 && measures.every((m) => m.startsWith(SUGGESTED))) this.suggestionsOnly++;
    if (record.learning.governance_implications !== null) this.governanceImplications++;
    if (record.learning.propagation_required) {
      this.propagationRequired++;
      if (record.learning.propagation_status === 'COMPLETE') this.propagationComplete++;
    }
  }

  #fingerprint(record: FailureRecord, timeline: RecordTimeline, inWindow: boolean): void {
    const key = { ms: timeline.recordedMs, id: record.failure_id };
    const latest = {
      ...key,
      category: record.category,
      subcategory: record.subcategory,
      component: record.context.component,
      status: timeline.status,
    };
    const f = mapEntry(this.#fingerprints, record.lab.fingerprint, () => ({
      fingerprint: record.lab.fingerprint,
      totalRecords: 0,
      windowRecords: 0,
      windowRuns: 0,
      windowCost: 0,
      windowEscalations: 0,
      worstSeverity: 'LOW' as Severity,
      latest,
      measure: null,
    }));
    const measure = measureOf(record, key);
    if (
      measure &&
      (f.measure === null ||
        Number(measure.adopted) - Number(f.measure.adopted) > 0 ||
        (measure.adopted === f.measure.adopted && compareRecordKeys(measure, f.measure) > 0))
    )
      f.measure = measure;
    f.totalRecords++;
    if (compareRecordKeys(latest, f.latest) > 0) f.latest = latest;
    if (!inWindow) return;
    f.windowRecords++;
    f.windowRuns += record.lab.occurrences.count;
    f.windowCost += record.lab.occurrences.count * SEVERITY_WEIGHT[record.severity];
    f.windowEscalations += timeline.escalationsMs.filter((at) => within(at, this.window)).length;
    if (SEVERITIES.indexOf(record.severity) < SEVERITIES.indexOf(f.worstSeverity)) f.worstSeverity = record.severity;
  }

  #slices(record: FailureRecord, timeline: RecordTimeline): void {
    for (const slice of this.slices) {
      if (within(timeline.recordedMs, slice)) {
        slice.recorded++;
        slice.runs += record.lab.occurrences.count;
        if (record.severity === 'CRITICAL' || record.severity === 'HIGH') slice.severe++;
        if (record.repetition_tracking.is_repeat) slice.repeats++;
      }
      if (timeline.firstResolvedMs !== null && within(timeline.firstResolvedMs, slice))
        slice.resolution.add(timeline.firstResolvedMs - timeline.createdMs);
      if (timeline.firstPreventedMs !== null && within(timeline.firstPreventedMs, slice)) slice.prevented++;
      slice.reopened += timeline.transitions.filter((t) => isReopen(t) && within(t.atMs, slice)).length;
    }
  }

  #resolution(record: FailureRecord, timeline: RecordTimeline): void {
    const resolvedMs = timeline.firstResolvedMs;
    const resolvedHere = resolvedMs !== null && within(resolvedMs, this.window);
    if (resolvedHere) {
      const late = resolvedMs > timeline.targetMs;
      for (const group of [this.resolved, mapEntry(this.resolvedBySeverity, record.severity, newResolution)]) {
        group.durations.add(resolvedMs - timeline.createdMs);
        if (late) group.late++;
        else group.withinSla++;
      }
    }
    const base = {
      failureId: record.failure_id,
      fingerprint: record.lab.fingerprint,
      severity: record.severity,
      targetMs: timeline.targetMs,
      status: timeline.status,
    };
    if (isOpen(timeline.status) && timeline.targetMs < this.asOfMs) {
      this.openBreaches++;
      this.breaches.add({ ...base, overdueMs: this.asOfMs - timeline.targetMs, open: true });
    } else if (resolvedHere && resolvedMs > timeline.targetMs) {
      this.breaches.add({ ...base, overdueMs: resolvedMs - timeline.targetMs, open: false });
    }
  }

  #prevention(record: FailureRecord, timeline: RecordTimeline): void {
    for (const t of timeline.transitions) {
      if (!isReopen(t) || !within(t.atMs, this.window)) continue;
      if (t.from === 'PREVENTED') this.reopenedAfterPrevented++;
      else this.reopenedAfterResolved++;
    }
    const preventedMs = timeline.firstPreventedMs;
    if (preventedMs === null) return;
    this.everPrevented++;
    if (timeline.transitions.some((t) => t.from === 'PREVENTED' && isReopen(t))) this.cameBackAfterPrevention++;
    const preventedHere = timeline.transitions.find(
      (t) => t.to === 'PREVENTED' && t.from !== 'PREVENTED' && within(t.atMs, this.window),
    );
    if (!preventedHere) return;
    const verification = record.lab.verification;
    const verifiedMs = verification ? Date.parse(verification.verified_at) : null;
    const verified = verifiedMs !== null && verifiedMs < this.asOfMs ? verifiedMs : null;
    if (verified !== null) this.verifiedPrevented++;
    this.prevented.add({
      failureId: record.failure_id,
      fingerprint: record.lab.fingerprint,
      category: record.category,
      atMs: preventedHere.atMs,
      adopted: record.prevention.prevention_measures.filter((m) => !m.startsWith(SUGGESTED)),
      verifiedMs: verified,
    });
  }

  #governance(record: FailureRecord, timeline: RecordTimeline): void {
    // A governance update carries no time of its own: it is dated by the record's first
    // prevention, or else its first resolution, the moments such updates are made.
    const atMs = timeline.firstPreventedMs ?? timeline.firstResolvedMs;
    if (atMs === null || !within(atMs, this.window)) return;
    for (const text of record.prevention.governance_updates) {
      this.governance.add({
        text,
        failureId: record.failure_id,
        fingerprint: record.lab.fingerprint,
        category: record.category,
        atMs,
      });
      this.governanceByCategory.set(record.category, (this.governanceByCategory.get(record.category) ?? 0) + 1);
    }
  }
}

/** Gathers a report window from a stream of records (records at or after as-of are left out). */
export async function gatherWindow(
  records: AsyncIterable<FailureRecord> | Iterable<FailureRecord>,
  options: WindowOptions,
): Promise<ReportWindow> {
  const window = new ReportWindow(options);
  const { asOfMs } = options;
  for await (const record of records) {
    const timeline = timelineAt(record, asOfMs);
    if (timeline) window.add(record, timeline);
  }
  return window;
}
