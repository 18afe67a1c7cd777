import { type FailureRecord, SEVERITIES } from '../contracts/failure-record.ts';
import { inOrder } from './counts.ts';
import { durationCells, formatTime, formatWindow, percent, plural, table } from './markdown.ts';
import { breachSection, governanceTable, preventionTable, repeatTable, slaText } from './report-sections.ts';
import { gatherWindow } from './report-window.ts';
import { parseAsOf } from './utc-calendar.ts';

/** What a report describes. */
export interface ReportOptions {
  /** The end of the report's window (ISO UTC, exclusive); later records and changes are left out. */
  asOf: string;
}

/**
 * The weekly failure report, in Markdown, for the 7 days before asOf: the document's seven
 * contents as numbered sections. It reads every record up to asOf in one pass (an old failure can
 * be overdue or repeat this week), and depends on nothing but the records and asOf.
 */
export async function weeklyReport(
  records: AsyncIterable<FailureRecord> | Iterable<FailureRecord>,
  { asOf }: ReportOptions,
): Promise<string> {
  const asOfMs = parseAsOf(asOf);
  const w = await gatherWindow(records, { asOfMs, days: 7, sliceDays: 7, trendDays: 14 });
  const previous = w.slices.length > 1 ? w.slices[w.slices.length - 2]! : null;
  const sections: string[] = [];

  sections.push(
    `# Weekly failure report\n\n` +
      `The week of ${formatWindow(w.window.fromMs, w.window.toMs)}, as of ${formatTime(asOfMs)}. ` +
      'Every count is of the failure ledger as it stood then. One failure is one record: a fingerprint failing in one build, over one or more runs.',
  );

  const open = w.severities().reduce((n, s) => n + s.open, 0);
  const overdue = w.severities().reduce((n, s) => n + s.overdue, 0);
  sections.push(
    `## 1. Total failures this week\n\n` +
      (w.recorded === 0
        ? 'No failures this week.'
        : [
            `**${plural(w.recorded, 'failure')}** this week, in ${plural(w.runs, 'run')}.${previous ? ` The week before: ${plural(previous.recorded, 'failure')}.` : ''}`,
            '',
            `- ${w.repeats} of them repeated a failure seen before; ${w.regressions} came back after being resolved or prevented.`,
            `- ${w.escalations} ${w.escalations === 1 ? 'escalation was' : 'escalations were'} sent.`,
            `- ${open} of them ${open === 1 ? 'is' : 'are'} still open; ${overdue} ${overdue === 1 ? 'is' : 'are'} past the SLA.`,
          ].join('\n')),
  );

  const categories = [...w.categories()].sort((a, b) => b.records - a.records || b.runs - a.runs);
  sections.push(
    `## 2. Failures by category\n\n` +
      (categories.length === 0
        ? 'None this week.'
        : 'Most failures first.\n\n' +
          table(
            ['Category', 'Failures', 'Share', 'Runs', 'Subcategories'],
            categories.map((c) => [
              c.category,
              c.records,
              percent(c.records, w.recorded),
              c.runs,
              c.subcategories.map(([s, n]) => `${s} (${n})`).join(', '),
            ]),
            [1, 2, 3],
          )),
  );

  sections.push(
    `## 3. Failures by severity\n\n` +
      (w.recorded === 0 ? 'None this week.\n\n' : '') +
      table(
        ['Severity', 'SLA', 'Failures', 'Runs', 'Still open', 'Past SLA'],
        w.severities().map((s) => [s.severity, slaText(s.severity), s.records, s.runs, s.open, s.overdue]),
        [2, 3, 4, 5],
      ),
  );

  const repeats = repeatTable(w, 'This week');
  sections.push(
    `## 4. Repeat failures\n\n` +
      (repeats.count === 0
        ? 'None this week: every failure this week was the first with its fingerprint.'
        : `${plural(repeats.count, 'fingerprint')} seen before came back this week. A fingerprint groups the records of one recurring failure (shortened here). Most failures this week first.\n\n${repeats.text}`),
  );

  const resolvedRows = inOrder(w.resolvedBySeverity, SEVERITIES).map(([severity, r]) => [
    severity,
    slaText(severity),
    r.durations.count,
    ...durationCells(r.durations),
    r.withinSla,
    r.late,
  ]);
  sections.push(
    `## 5. Mean time to resolution (MTTR)\n\n` +
      (w.resolved.durations.count === 0
        ? 'No failure was resolved this week.'
        : `${plural(w.resolved.durations.count, 'failure was', 'failures were')} resolved for the first time this week. ` +
          "Time to resolution runs from the record's creation to its first RESOLVED or PREVENTED. The mean is exact; the median and p90 are within 2%.\n\n" +
          table(
            ['Severity', 'SLA', 'Resolved', 'Mean', 'Median', 'p90', 'Within SLA', 'Late'],
            [
              ...resolvedRows,
              [
                'All',
                '-',
                w.resolved.durations.count,
                ...durationCells(w.resolved.durations),
                w.resolved.withinSla,
                w.resolved.late,
              ],
            ],
            [2, 3, 4, 5, 6, 7],
          )) +
      `\n\n### SLA breaches\n\n${breachSection(w, 'this week')}`,
  );

  const preventedCount = w.prevented.offered;
  const suggestions =
    w.suggestionsOnly === 0
      ? ''
      : `\n\n${plural(w.suggestionsOnly, 'failure')} recorded this week ${w.suggestionsOnly === 1 ? 'has' : 'have'} only machine suggestions, not yet adopted by a person.`;
  sections.push(
    `## 6. Prevention measures implemented\n\n` +
      (preventedCount === 0
        ? `None this week: no failure was marked prevented.${suggestions}`
        : `${plural(preventedCount, 'failure was', 'failures were')} marked prevented this week; ${w.verifiedPrevented} verified by a regression and a control scenario.\n\n${preventionTable(w)}${suggestions}`),
  );

  sections.push(
    `## 7. Governance updates made\n\n` +
      (w.governance.offered === 0
        ? 'None this week.'
        : `${plural(w.governance.offered, 'governance update')} came with failures prevented or resolved this week (an update is dated by its failure's first prevention, or else its first resolution).\n\n${governanceTable(w)}`),
  );

  return `${sections.join('\n\n')}\n`;
}
