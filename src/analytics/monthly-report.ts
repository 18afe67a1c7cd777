import type { FailureRecord } from '../contracts/failure-record.ts';
import {
  formatDuration,
  formatPeriod,
  formatTime,
  formatWindow,
  percent,
  plural,
  shortFingerprint,
  table,
  truncate,
} from './markdown.ts';
import { breachSection, governanceTable, preventionTable, repeatTable, topFingerprints } from './report-sections.ts';
import { gatherWindow, SEVERITY_WEIGHT } from './report-window.ts';
import { parseAsOf } from './utc-calendar.ts';
import type { ReportOptions } from './weekly-report.ts';

/** How many failures each automation-priority table lists. */
const PRIORITY_ROWS = 5;

/**
 * The monthly failure trends report, in Markdown, for the 30 days before asOf, in weekly rows
 * counted back from asOf: the document's six contents as numbered sections, then the SLA breaches.
 * Its sixth, "FM evolution priorities", is here what to automate first: the failures most common,
 * most costly (runs weighted by severity) and most preventable (a measure exists but the failure is
 * not prevented yet).
 */
export async function monthlyReport(
  records: AsyncIterable<FailureRecord> | Iterable<FailureRecord>,
  { asOf }: ReportOptions,
): Promise<string> {
  const asOfMs = parseAsOf(asOf);
  const w = await gatherWindow(records, { asOfMs, days: 30, sliceDays: 7 });
  const sections: string[] = [];

  sections.push(
    `# Monthly failure trends\n\n` +
      `The 30 days from ${formatWindow(w.window.fromMs, w.window.toMs)}, as of ${formatTime(asOfMs)}. ` +
      'Every count is of the failure ledger as it stood then. One failure is one record: a fingerprint failing in one build, over one or more runs.',
  );

  const latest = w.slices.at(-1)!;
  const before = w.slices.at(-2);
  const trendRows = w.slices.map((s) => [
    formatPeriod(s.fromMs, s.toMs),
    s.recorded,
    s.runs,
    s.severe,
    s.repeats,
    s.resolution.count,
    s.resolution.count === 0 ? '-' : formatDuration(s.resolution.meanMs()!),
    s.prevented,
    s.reopened,
  ]);
  sections.push(
    `## 1. Failure trends over time\n\n` +
      `${plural(w.recorded, 'failure')} in these 30 days, in ${plural(w.runs, 'run')}: ${latest.recorded} in the latest week${before ? `, ${before.recorded} in the week before` : ''}. ` +
      'Weeks are counted back from the as-of time; the oldest row is what remains of the 30 days. "Resolved" counts failures resolved for the first time, and "Mean to resolve" is their mean time from creation.\n\n' +
      table(
        [
          'Week',
          'Failures',
          'Runs',
          'Critical or high',
          'Repeats',
          'Resolved',
          'Mean to resolve',
          'Prevented',
          'Reopened',
        ],
        trendRows,
        [1, 2, 3, 4, 5, 6, 7, 8],
      ),
  );

  const categories = [...w.categories()].sort((a, b) => b.records - a.records || b.runs - a.runs);
  sections.push(
    `## 2. Most common failure categories\n\n` +
      (categories.length === 0
        ? 'None in these 30 days.'
        : `Most failures first.\n\n${table(
            ['Category', 'Failures', 'Share', 'Runs', 'Most common subcategory'],
            categories.map((c) => [
              c.category,
              c.records,
              percent(c.records, w.recorded),
              c.runs,
              `${c.subcategories[0]![0]} (${c.subcategories[0]![1]})`,
            ]),
            [1, 2, 3],
          )}`),
  );

  const repeats = repeatTable(w, 'In 30 days');
  sections.push(
    `## 3. Repeat failure rate\n\n` +
      (w.recorded === 0
        ? 'No failures in these 30 days, so no repeats.'
        : `**${percent(w.repeats, w.recorded)}** of the failures were repeats: ${w.repeats} of ${w.recorded} repeated a failure seen before, and ${w.regressions} of those came back after being resolved or prevented.` +
          (repeats.count === 0
            ? ''
            : `\n\n${plural(repeats.count, 'fingerprint')} (shortened here) had more than one failure; most failures in these 30 days first:\n\n${repeats.text}`)),
  );

  const held = w.everPrevented - w.cameBackAfterPrevention;
  sections.push(
    `## 4. Prevention effectiveness\n\n` +
      [
        `- Marked prevented in these 30 days: ${w.prevented.offered}; verified by a regression and a control scenario: ${w.verifiedPrevented}.`,
        `- Came back in these 30 days: ${w.reopenedAfterPrevented} after being prevented, ${w.reopenedAfterResolved} after being resolved (records reopened by a recurrence).`,
        w.everPrevented === 0
          ? '- No failure has been prevented yet, so prevention cannot be judged.'
          : `- Since the ledger began, ${plural(w.everPrevented, 'failure was', 'failures were')} prevented; ${held} never came back: prevention held for **${percent(held, w.everPrevented)}**.`,
        `- ${plural(w.suggestionsOnly, 'failure')} recorded in these 30 days ${w.suggestionsOnly === 1 ? 'has' : 'have'} only machine suggestions, not yet adopted by a person.`,
      ].join('\n') +
      (w.prevented.offered === 0 ? '' : `\n\nPrevented in these 30 days:\n\n${preventionTable(w)}`),
  );

  const byCategory = [...w.governanceByCategory.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const learning =
    `${plural(w.governanceImplications, 'failure')} recorded in these 30 days ${w.governanceImplications === 1 ? 'has' : 'have'} governance implications; ` +
    `${w.propagationRequired} need${w.propagationRequired === 1 ? 's' : ''} propagating (${w.propagationComplete} done).`;
  sections.push(
    `## 5. Governance evolution summary\n\n` +
      (w.governance.offered === 0
        ? `No governance updates in these 30 days. ${learning}`
        : `${plural(w.governance.offered, 'governance update')} came with failures prevented or resolved in these 30 days (by category: ${byCategory.map(([c, n]) => `${c} ${n}`).join(', ')}). ${learning}\n\n${governanceTable(w)}`),
  );

  const failures = w.fingerprints();
  const fp = (f: (typeof failures)[number]) => `\`${shortFingerprint(f.fingerprint)}\``;
  const common = topFingerprints(failures, (f) => [f.windowRecords, f.windowRuns], PRIORITY_ROWS);
  const costly = topFingerprints(failures, (f) => [f.windowCost, f.windowRuns], PRIORITY_ROWS);
  const preventable = topFingerprints(
    failures.filter((f) => f.measure !== null && f.latest.status !== 'PREVENTED'),
    (f) => [f.windowCost, f.windowRuns],
    PRIORITY_ROWS,
  );
  sections.push(
    `## 6. FM evolution priorities: what to automate\n\n` +
      (failures.length === 0
        ? 'Nothing to automate: no failures in these 30 days.'
        : `The fingerprints (recurring failures, shortened here) of these 30 days that most deserve automation, top ${PRIORITY_ROWS} of each list. ` +
          `Cost weighs each run by its severity: CRITICAL ${SEVERITY_WEIGHT.CRITICAL}, HIGH ${SEVERITY_WEIGHT.HIGH}, MEDIUM ${SEVERITY_WEIGHT.MEDIUM}, LOW ${SEVERITY_WEIGHT.LOW}.\n\n` +
          `### Most common\n\n${table(
            ['Fingerprint', 'Category', 'Component', 'Failures', 'Runs'],
            common.map((f) => [
              fp(f),
              `${f.latest.category} / ${f.latest.subcategory}`,
              f.latest.component,
              f.windowRecords,
              f.windowRuns,
            ]),
            [3, 4],
          )}\n\n` +
          `### Most costly\n\n${table(
            ['Fingerprint', 'Category', 'Worst severity', 'Runs', 'Cost'],
            costly.map((f) => [
              fp(f),
              `${f.latest.category} / ${f.latest.subcategory}`,
              f.worstSeverity,
              f.windowRuns,
              f.windowCost,
            ]),
            [3, 4],
          )}\n\n` +
          `### Most preventable\n\nFingerprints with a prevention measure, adopted or suggested, whose latest failure is not prevented yet; most costly first.\n\n` +
          (preventable.length === 0
            ? 'None: every fingerprint with a measure is already prevented.'
            : table(
                ['Fingerprint', 'Category', 'Cost', 'Measure', 'Adopted'],
                preventable.map((f) => [
                  fp(f),
                  `${f.latest.category} / ${f.latest.subcategory}`,
                  f.windowCost,
                  truncate(f.measure!.text),
                  f.measure!.adopted ? 'yes' : 'no, suggested',
                ]),
                [2],
              ))),
  );

  sections.push(`## SLA breaches\n\n${breachSection(w, 'in these 30 days')}`);

  return `${sections.join('\n\n')}\n`;
}
