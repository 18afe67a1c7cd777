import { SLA_HOURS } from '../ledger/categorize.ts';
import { failureId, formatDuration, formatTime, more, plural, shortFingerprint, table, truncate } from './markdown.ts';
import { type FingerprintSummary, REPORT_ROWS, type ReportWindow } from './report-window.ts';

// Parts both reports print the same way.

/** A severity's SLA as the document states it: "4 h", "1 week", "30 days". */
export function slaText(severity: keyof typeof SLA_HOURS): string {
  const hours = SLA_HOURS[severity];
  if (hours < 48) return `${hours} h`;
  if (hours === 168) return '1 week';
  return `${hours / 24} days`;
}

/** The table of failures past their SLA, or a sentence saying there are none. */
export function breachSection(w: ReportWindow, period: string): string {
  const late = w.breaches.offered - w.openBreaches;
  if (w.breaches.offered === 0)
    return `No failure is past its SLA: none is still open past its target, and none was resolved late ${period}.`;
  const intro = `${plural(w.breaches.offered, 'failure is', 'failures are')} past their SLA: ${w.openBreaches} still open past the target, ${late} resolved late ${period}. Most overdue first.`;
  const rows = w.breaches.items.map((b) => [
    failureId(b.failureId),
    b.severity,
    formatTime(b.targetMs),
    formatDuration(b.overdueMs),
    b.open ? `still ${b.status}` : 'resolved late',
  ]);
  return `${intro}\n\n${table(['Failure', 'Severity', 'SLA target', 'Overdue by', 'State'], rows, [3])}${more(w.breaches)}`;
}

/** The table of failures marked prevented in the window, or a sentence saying there are none. */
export function preventionTable(w: ReportWindow): string {
  const rows = w.prevented.items.map((p) => [
    failureId(p.failureId),
    p.category,
    p.adopted.length > 0 ? p.adopted.map((m) => truncate(m)).join('; ') : '(no adopted measure recorded)',
    p.verifiedMs === null ? 'no' : `yes, ${formatTime(p.verifiedMs)}`,
  ]);
  return `${table(['Failure', 'Category', 'Measures', 'Verified'], rows)}${more(w.prevented)}`;
}

/** The table of governance updates made in the window. */
export function governanceTable(w: ReportWindow): string {
  const rows = w.governance.items.map((g) => [
    truncate(g.text, 120),
    failureId(g.failureId),
    g.category,
    formatTime(g.atMs),
  ]);
  return `${table(['Update', 'Failure', 'Category', 'Prevented or resolved'], rows)}${more(w.governance)}`;
}

/** Orders fingerprints by a score, highest first, then by fingerprint, and keeps the first `n`. */
export function topFingerprints(
  list: FingerprintSummary[],
  score: (f: FingerprintSummary) => number[],
  n: number,
): FingerprintSummary[] {
  const compare = (a: FingerprintSummary, b: FingerprintSummary) => {
    const [x, y] = [score(a), score(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i]! - x[i]!;
    return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
  };
  return [...list].sort(compare).slice(0, n);
}

/** The repeat failures of a window: fingerprints with a record in it and at least two in all. */
export function repeatTable(w: ReportWindow, windowLabel: string): { count: number; text: string } {
  const repeated = w.fingerprints().filter((f) => f.totalRecords >= 2);
  const shown = topFingerprints(repeated, (f) => [f.windowRecords, f.windowRuns, f.totalRecords], REPORT_ROWS);
  const rows = shown.map((f) => [
    `\`${shortFingerprint(f.fingerprint)}\``,
    `${f.latest.category} / ${f.latest.subcategory}`,
    f.latest.component,
    f.windowRecords,
    f.totalRecords,
    f.windowRuns,
    f.windowEscalations,
    f.latest.status,
  ]);
  const rest = repeated.length - shown.length;
  const text = table(
    ['Fingerprint', 'Category', 'Component', windowLabel, 'All time', 'Runs', 'Escalations', 'Latest status'],
    rows,
    [3, 4, 5, 6],
  );
  return { count: repeated.length, text: rest > 0 ? `${text}\n\nAnd ${plural(rest, 'more row')} not shown.` : text };
}
