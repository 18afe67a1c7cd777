import { formatDuration } from '../analytics/markdown.ts';
import { ledgerCharts, overviewCharts } from './charts.ts';
import { esc, jsonForScript, minute, ms, num, plural, table, tableHtml, utc } from './html.ts';
import { internValues } from './intern-values.ts';
import { markdownToHtml } from './markdown-html.ts';
import { type PageAssets, pageAssets } from './page-assets.ts';
import {
  FAILURE_TYPE_NAMES,
  OUTCOMES,
  RECOVERY_OUTCOMES,
  type LedgerFailureView,
  type LedgerView,
  type Comparison,
  type Overview,
  type ReportData,
  type RunRow,
} from './report-data.ts';
import { REPORT_LIMITS } from './run-view.ts';

/**
 * Rows the runs table holds in the HTML itself, for a reader without script; the rest are in the
 * embedded JSON, which the page's script shows. Measured on 10,000 runs in headless Chromium:
 * each static row costs about 0.48 KB and 0.9 ms of time to interactive (all 10,000 as HTML:
 * 4.8 MB more and about 6 s more), while every mismatched run is listed in the overview anyway.
 */
export const STATIC_RUN_ROWS = 200;

/** How the page is put together; tests and the benchmark may override. */
export interface RenderOptions {
  assets?: PageAssets;
  staticRows?: number;
}

/** The table's columns, in order; the page's script builds its rows with the same cells. */
const RUN_COLUMNS = [
  { key: 'scenario', label: 'Scenario' },
  { key: 'subject', label: 'Subject' },
  { key: 'expected', label: 'Expected' },
  { key: 'detected', label: 'Detected' },
  { key: 'started', label: 'Started (UTC)' },
  { key: 'duration', label: 'Duration', numeric: true },
  { key: 'depth', label: 'Depth', numeric: true },
  { key: 'recovery', label: 'Recovery' },
  { key: 'message', label: 'Failure' },
] as const;

const kindBadge = (k: string) => `<span class="badge k-${esc(k)}">${esc(k)}</span>`;
const runLink = (traceId: string, text: string) => `<a href="#run=${esc(traceId)}">${esc(text)}</a>`;
const code = (text: string | null) => (text === null ? '–' : `<code>${esc(text)}</code>`);
/** A time as the runs table shows it: "11-23 19:54:23" (the year is in the run's view). */
const tableTime = (iso: string) => `${iso.slice(5, 10)} ${iso.slice(11, 19)}`;

function statList(items: [string, string, string?][]): string {
  return `<dl class="stats">${items.map(([label, value, cls]) => `<div${cls ? ` class="${cls}"` : ''}><dt>${label}</dt><dd>${value}</dd></div>`).join('')}</dl>`;
}

function figure(id: string, title: string, caption: string, svg: string, data: string, extra = ''): string {
  return `<figure class="chart" id="${id}" aria-labelledby="${id}-h">
<figcaption><h3 id="${id}-h">${title}</h3><p>${caption}</p>${extra}</figcaption>
${svg}
<details class="data"><summary>The numbers as a table</summary>${data}</details>
</figure>`;
}

function severityLegend(): string {
  return `<ul class="legend" aria-label="Colours of the severities">${['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].map((s) => `<li><span class="swatch sev-${s.toLowerCase()}" aria-hidden="true"></span>${s}</li>`).join('')}<li><span class="swatch dot-resolved" aria-hidden="true"></span>resolved or prevented</li></ul>`;
}

function legend(): string {
  return `<ul class="legend" aria-label="Colours of the outcomes">${OUTCOMES.map((k) => `<li><span class="swatch k-${k}" aria-hidden="true"></span>${k}</li>`).join('')}</ul>`;
}

/** One run as a row of the runs table, as the page's script also builds it. */
export function runRowHtml(r: RunRow, showBuild: boolean): string {
  const matched = r.expected === r.detected;
  const cells = [
    `<th scope="row">${runLink(r.trace_id, r.repeat_index ? `${r.scenario_id} #${r.repeat_index}` : r.scenario_id)}${showBuild ? `<span class="build">${esc(r.build_id ?? 'no build')}</span>` : ''}</th>`,
    `<td>${esc(r.subject_id)}</td>`,
    `<td>${kindBadge(r.expected)}</td>`,
    `<td>${kindBadge(r.detected)}${matched ? '' : ' <span class="bad" title="a mismatch: not the expected outcome">✗</span>'}</td>`,
    `<td class="time">${tableTime(r.started_at)}</td>`,
    `<td class="num">${ms(r.duration_ms)}</td>`,
    `<td class="num">${r.cascade_depth}</td>`,
    `<td>${r.recovery === 'none' ? '<span class="dim">–</span>' : `<span class="badge r-${r.recovery}">${r.recovery}</span>`}</td>`,
    `<td class="msg">${r.message === null ? '' : `${esc(r.message)}${r.message.endsWith('…') ? ` ${runLink(r.trace_id, 'whole text')}` : ''}`}</td>`,
  ];
  return `<tr${matched ? '' : ' class="mismatch"'}>${cells.join('')}</tr>`;
}

function options(values: readonly string[], labels?: (v: string) => string): string {
  return values.map((v) => `<option value="${esc(v)}">${esc(labels ? labels(v) : v)}</option>`).join('');
}

function overviewSection(data: ReportData, charts: Record<string, string>): string {
  const o: Overview = data.overview;
  const lost = o.not_stored + o.not_retrieved;
  const stats = statList([
    ['Runs', num(o.runs)],
    ['As expected', num(o.matched), 'good'],
    ['Mismatched', num(o.mismatched), o.mismatched ? 'bad' : ''],
    ['Stored', num(o.stored)],
    ['Read back intact', num(o.stored)],
    ['Not stored or not read back', num(lost), lost ? 'bad' : ''],
  ]);
  const runsBy = new Map(data.runs.map((r) => [r.trace_id, r]));
  const mismatches = o.mismatches.map((id) => runsBy.get(id)!);
  const mismatchTable = mismatches.length
    ? table({
        caption: `${plural(mismatches.length, 'run')} detected as something other than their scenario expects`,
        head: ['Scenario', 'Subject', 'Expected', 'Detected', 'Failure'],
        rows: mismatches.map((r) => [
          runLink(r.trace_id, r.scenario_id),
          esc(r.subject_id),
          kindBadge(r.expected),
          kindBadge(r.detected),
          esc(r.message ?? ''),
        ]),
      })
    : '<p class="note good">Every run was detected as its scenario expects.</p>';
  const builds =
    o.builds.length > 1
      ? table({
          caption: 'Builds in this report',
          head: ['Build', 'Runs', 'First run', 'Last run'],
          rows: o.builds.map((b) => [code(b.build_id), num(b.runs), utc(b.first_started_at), utc(b.last_started_at)]),
          numeric: [1],
        })
      : '';
  const outcomeTable = table({
    head: ['Outcome', 'Expected', 'Detected'],
    rows: OUTCOMES.map((k, i) => [kindBadge(k), num(o.by_expected[i]!.count), num(o.by_detected[i]!.count)]),
    numeric: [1, 2],
  });
  const confusionTable = table({
    caption: 'Rows: expected; columns: detected',
    head: ['Expected \\ detected', ...OUTCOMES.map((k) => esc(k))],
    rows: OUTCOMES.map((e) => [
      esc(e),
      ...OUTCOMES.map((d) => num(o.confusion.find((c) => c.expected === e && c.detected === d)!.count)),
    ]),
    numeric: OUTCOMES.map((_, i) => i + 1),
  });
  const subjectTable = table({
    head: ['Subject', 'Runs', 'Mismatched', ...OUTCOMES.map((k) => esc(k))],
    rows: o.by_subject.map((s) => [
      esc(s.subject_id),
      num(s.runs),
      num(s.mismatched),
      ...s.by_detected.map((c) => num(c.count)),
    ]),
    numeric: [1, 2, 3, 4, 5, 6, 7],
  });
  const typeTable = table({
    head: ['Failure type', 'Runs'],
    rows: o.by_failure_type.map((c) => [esc(c.key), num(c.count)]),
    numeric: [1],
  });
  const durationTable = table({
    head: ['Duration', 'Runs'],
    rows: o.durations.map((b) => [esc(b.label), num(b.count)]),
    numeric: [1],
  });
  const depthTable = table({
    head: ['Cascade depth', 'Runs'],
    rows: o.cascade_depths.map((d) => [String(d.depth), num(d.count)]),
    numeric: [0, 1],
  });
  const recoveryTable = table({
    head: ['Recovery', 'Runs'],
    rows: o.recovery.map((c) => [esc(c.key), num(c.count)]),
    numeric: [1],
  });
  const stat = o.duration_stats;
  return `<section id="overview" class="view" aria-labelledby="overview-h">
<h2 id="overview-h">Overview</h2>
<p class="lede">What the runs in this report amount to: how many were detected as their scenario expects, where detection and expectation disagree, and how the runs failed, cascaded and recovered.</p>
${stats}
${builds}
<h3 id="mismatches-h">Mismatched runs</h3>
${mismatchTable}
${
  o.runs === 0
    ? '<p class="note">This report holds no runs.</p>'
    : `<div class="charts">
${figure('fig-confusion', 'Expected against detected', 'Each cell counts the runs whose scenario expects the row and whose run was detected as the column. The diagonal (blue) is as expected; anything off it (red) is a mismatch.', charts.confusion!, confusionTable)}
${figure('fig-kinds', 'Runs by detected outcome', `${num(o.runs)} runs; each scenario fails (or passes) on purpose.`, charts.kinds!, outcomeTable, legend())}
${figure('fig-subjects', 'Runs by subject', 'Each bar is a subject, split by the outcome its runs were detected as.', charts.subjects!, subjectTable, legend())}
${figure('fig-types', 'Runs by failure type', 'The failure type of each run’s own failure: error, timeout, violation (of a schema or grounding), resource (exhaustion); none for a pass.', charts.failure_types!, typeTable)}
${figure('fig-durations', 'Run durations', stat ? `Median ${ms(stat.median_ms)}, 90th percentile ${ms(stat.p90_ms)}, longest ${ms(stat.max_ms)}. Buckets grow 1–2–5.` : 'No runs.', charts.durations!, durationTable)}
${figure('fig-depths', 'Cascade depths', 'Levels of each run’s deepest failure cascade: 1 is a failure where it began, each level more is a failure it propagated to.', charts.depths!, depthTable)}
${figure('fig-recovery', 'Recovery outcomes', 'Where each run’s recovery ended (the worst of its episodes): recovered, degraded (answered at lower confidence), failed; none when it tried no recovery.', charts.recovery!, recoveryTable)}
</div>`
}
</section>`;
}

function runsSection(data: ReportData, staticRows: number): string {
  const rows = data.runs;
  const showBuild = data.overview.builds.length > 1;
  const shown = rows.slice(0, staticRows);
  const rest = rows.length - shown.length;
  const subjects = [...new Set(rows.map((r) => r.subject_id))].sort();
  const scenarios = [...new Set(rows.map((r) => r.scenario_id))].sort();
  const builds = data.overview.builds.map((b) => b.build_id ?? '');
  const field = (id: string, label: string, control: string) =>
    `<div class="field"><label for="${id}">${label}</label>${control}</div>`;
  const select = (id: string, values: readonly string[]) =>
    `<select id="${id}"><option value="">any</option>${options(values)}</select>`;
  return `<section id="runs" class="view" aria-labelledby="runs-h">
<h2 id="runs-h">Runs</h2>
<p class="lede">Every run in scope, one row each. Open a run to see its steps, its failure with the evidence, its cascade and its recovery.</p>
<noscript><p class="note">Without script this table lists the first ${num(shown.length)} runs in the order they started. Sorting, filters and each run’s view need script.</p></noscript>
<form id="run-filters" class="filters" role="search" aria-label="Filter runs" hidden>
${field('f-text', 'Search', '<input type="search" id="f-text" autocomplete="off" placeholder="scenario, subject, message or id">')}
${field('f-detected', 'Detected', select('f-detected', OUTCOMES))}
${field('f-expected', 'Expected', select('f-expected', OUTCOMES))}
${field('f-subject', 'Subject', select('f-subject', subjects))}
${field('f-scenario', 'Scenario', select('f-scenario', scenarios))}
${field('f-recovery', 'Recovery', select('f-recovery', RECOVERY_OUTCOMES))}
${showBuild ? field('f-build', 'Build', select('f-build', builds)) : ''}
<div class="field check"><input type="checkbox" id="f-mismatch"><label for="f-mismatch">Mismatches only</label></div>
<div class="field"><button type="reset" id="f-reset">Clear filters</button></div>
</form>
<p id="runs-status" class="status" aria-live="polite">${rest > 0 ? `The first ${num(shown.length)} of ${num(rows.length)} runs.` : `${plural(rows.length, 'run')}.`}</p>
<div class="table-wrap"><table id="runs-table" class="runs">
<caption class="sr-only">Runs, one per row</caption>
<thead><tr>${RUN_COLUMNS.map((c) => `<th scope="col" data-sort="${c.key}"${'numeric' in c ? ' class="num"' : c.key === 'message' ? ' class="msg-h"' : ''}>${c.label}</th>`).join('')}</tr></thead>
<tbody id="runs-body">
${shown.map((r) => runRowHtml(r, showBuild)).join('\n')}
</tbody></table></div>
${rest > 0 ? `<p id="runs-more" class="note">${num(rest)} more runs: open with script enabled to see them all.</p>` : ''}
<nav id="runs-pager" class="pager" aria-label="Pages of runs" hidden><button type="button" id="pg-prev">← Previous</button> <span id="pg-info"></span> <button type="button" id="pg-next">Next →</button></nav>
</section>`;
}

function failureLink(f: LedgerFailureView): string {
  return f.trace_id
    ? runLink(f.trace_id, f.failure_id.slice(0, 8))
    : `<code title="${esc(f.failure_id)}">${esc(f.failure_id.slice(0, 8))}</code>`;
}

function failureTable(list: LedgerFailureView[], caption: string): string {
  const rows = list.map((f) => {
    const sla = f.overdue
      ? '<span class="bad">overdue</span>'
      : f.resolved_late
        ? '<span class="warn">resolved late</span>'
        : '<span class="ok">within</span>';
    return `<tr><th scope="row">${failureLink(f)}</th><td><span class="badge sev-${f.severity.toLowerCase()}">${f.severity}</span></td><td>${esc(f.subcategory)}</td><td>${esc(f.status)}</td><td class="summary" title="${esc(f.summary)}">${esc(f.summary)}</td><td>${code(f.component)}</td><td class="num">${num(f.runs)}</td><td>${minute(f.sla_target)} ${sla}</td></tr>`;
  });
  const head = ['Failure', 'Severity', 'Subcategory', 'Status', 'Summary', 'Component', 'Runs', 'SLA target (UTC)'].map(
    (h, i) => `<th scope="col"${i === 6 ? ' class="num"' : i === 4 ? ' class="summary-h"' : ''}>${h}</th>`,
  );
  return tableHtml({ caption, head: `<tr>${head.join('')}</tr>`, rows, className: 'ledger', what: 'failure' });
}

/** Hours as the Markdown reports write a duration: one format, which picks its unit ("1 min", "5.5 h", "3.2 days"). */
const hours = (h: number | null) => (h === null ? '–' : formatDuration(h * 3_600_000));

function ledgerSection(data: ReportData, charts: Record<string, string>): string {
  const l: LedgerView | null = data.ledger;
  const head = `<section id="ledger" class="view" aria-labelledby="ledger-h">
<h2 id="ledger-h">The failure ledger</h2>`;
  if (l === null)
    return `${head}\n<p class="note">No failure ledger was read for this report (capture --no-ledger).</p>\n</section>`;
  const open = l.by_status
    .filter((s) => s.key === 'OPEN' || s.key === 'INVESTIGATING')
    .reduce((n, s) => n + s.count, 0);
  const overdue = l.mttr[0]?.overdue ?? 0;
  const stats = statList([
    ['Failures recorded', num(l.records)],
    ...(l.records_in_build !== null ? ([['In this build', num(l.records_in_build)]] as [string, string][]) : []),
    ['Open', num(open), open ? 'warn' : ''],
    ['Past their SLA', num(overdue), overdue ? 'bad' : ''],
    ['Repeats', num(l.totals.repeats)],
    ['Escalations', num(l.totals.escalations)],
    ['Resolved', num(l.totals.resolved)],
    ['Prevented', num(l.totals.prevented)],
  ]);
  const openTable = table({
    caption: 'Rows: category; columns: severity',
    head: ['Category', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW'],
    rows: [...new Set(l.open_by_category_severity.map((c) => c.category))].map((cat) => [
      esc(cat),
      ...['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].map((s) =>
        num(l.open_by_category_severity.find((c) => c.category === cat && c.severity === s)?.count ?? 0),
      ),
    ]),
    numeric: [1, 2, 3, 4],
  });
  const statusTable = table({
    head: ['State', 'Failures'],
    rows: l.by_status.map((s) => [esc(s.key), num(s.count)]),
    numeric: [1],
  });
  const trendTable = table({
    head: [
      'Day (UTC)',
      'Recorded',
      'Runs',
      'Repeats',
      'Regressions',
      'Resolved',
      'Prevented',
      'Reopened',
      'Escalations',
    ],
    rows: l.trends.map((d) => [
      esc(d.date),
      num(d.recorded),
      num(d.runs),
      num(d.repeats),
      num(d.regressions),
      num(d.resolved),
      num(d.prevented),
      num(d.reopened),
      num(d.escalations),
    ]),
    numeric: [1, 2, 3, 4, 5, 6, 7, 8],
  });
  const repeatTable = l.repeats.length
    ? table({
        caption: 'Failures (fingerprints) recorded in two or more builds, most records first',
        head: [
          'Fingerprint',
          'Subcategory',
          'Component',
          'Records',
          'Runs',
          'First seen (UTC)',
          'Last seen (UTC)',
          'Escalations',
          'Regressions',
          'Latest status',
        ],
        rows: l.repeats.map((r) => [
          code(r.fingerprint.slice(0, 12)),
          esc(r.subcategory),
          code(r.component),
          num(r.records),
          num(r.runs),
          minute(r.first_seen),
          minute(r.last_seen),
          num(r.escalations),
          num(r.regressions),
          esc(r.latest_status),
        ]),
        numeric: [3, 4, 7, 8],
        className: 'ledger',
        shown: 10,
        what: 'repeated failure',
      })
    : '<p class="note">No failure was recorded in more than one build.</p>';
  const escalationTable = l.escalations.length
    ? table({
        caption: 'Escalations, oldest first',
        head: ['Failure', 'Occurrence', 'Escalated to', 'At (UTC)', 'Build'],
        rows: l.escalations.map((e) => [
          code(e.failure_id.slice(0, 8)),
          num(e.occurrence),
          `${e.level === 'build_owner' ? 'build owner' : 'escalation contact'} ${esc(e.to ?? '(not configured)')}`,
          minute(e.at),
          code(e.build_id),
        ]),
        numeric: [1],
        className: 'ledger',
        shown: 10,
        what: 'escalation',
      })
    : '<p class="note">No escalations.</p>';
  const mttrTable = table({
    caption:
      'Time from a failure’s creation to its first resolution, and the SLA (CRITICAL 4 h, HIGH 24 h, MEDIUM 1 week, LOW 30 days)',
    head: [
      'Group',
      'Failures',
      'Resolved',
      'Mean',
      'Median',
      'p90',
      'Longest',
      'Prevented',
      'Open',
      'Overdue',
      'Within SLA',
      'Late',
    ],
    rows: l.mttr.map((m) => [
      esc(m.group),
      num(m.records),
      num(m.resolved),
      hours(m.mean_hours),
      hours(m.median_hours),
      hours(m.p90_hours),
      hours(m.max_hours),
      num(m.prevented),
      num(m.open),
      num(m.overdue),
      num(m.within_sla),
      num(m.late),
    ]),
    numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  });
  const preventedTable = l.prevented.length
    ? table({
        caption:
          'PREVENTED failures, each verified by a regression scenario detected with its fingerprint and a control that passed',
        head: ['Failure', 'Category', 'Summary', 'Verified', 'Regression', 'Control'],
        rows: l.prevented.map((p) => [
          code(p.failure_id.slice(0, 8)),
          esc(p.category),
          esc(p.summary),
          utc(p.verified_at),
          `${esc(p.regression)}${p.fingerprint_held ? '' : ' <span class="warn">(fingerprint differs)</span>'}`,
          esc(p.control),
        ]),
        shown: 25,
        what: 'prevented failure',
      })
    : '<p class="note">No failure is PREVENTED yet: prevention is marked only after its regression and control scenarios verify it (<code>failures prevent</code>).</p>';
  return `${head}
<p class="lede">The ledger follows each failure after detection: one record per failure and build, grouped across builds by fingerprint, with its owner, SLA, lifecycle and prevention. Read as of ${esc(utc(data.as_of))}.</p>
${stats}
<div class="charts">
${charts.open ? figure('fig-open', 'Open failures by category and severity', `${plural(open, 'failure')} OPEN or INVESTIGATING.`, charts.open, openTable) : '<p class="note good">No open failures.</p>'}
${figure('fig-status', 'Lifecycle states', 'Every failure by its state at the as-of time: OPEN, INVESTIGATING, RESOLVED, PREVENTED.', charts.status!, statusTable)}
${charts.trends ? figure('fig-trends', 'Trends over time', 'Failures recorded per UTC day, by severity; dots: failures resolved or prevented that day.', charts.trends, trendTable, severityLegend()) : ''}
</div>
<h3 id="ledger-open-h">Open failures</h3>
${l.open.length ? failureTable(l.open, `Most severe first, then oldest${l.open_more ? `; ${num(l.open_more)} more not listed` : ''}`) : '<p class="note good">None.</p>'}
<h3 id="ledger-repeats-h">Repeats and escalations</h3>
${repeatTable}
${escalationTable}
<h3 id="ledger-mttr-h">Time to resolution (MTTR) and SLA</h3>
${mttrTable}
<h4 id="ledger-breaches-h">SLA breaches</h4>
${l.breaches.length ? failureTable(l.breaches, `Open past their target, or resolved after it${l.breaches_more ? `; ${num(l.breaches_more)} more not listed` : ''}`) : '<p class="note good">None.</p>'}
<h3 id="ledger-prevented-h">Prevention verified</h3>
${preventedTable}
<h3 id="ledger-reports-h">The weekly and monthly reports</h3>
<p>The same Markdown reports as <code>npm run lab -- report --period weekly|monthly --as-of ${esc(data.as_of ?? 'TIME')}</code>.</p>
<details class="md-report" id="weekly"><summary>Weekly failure report</summary>${l.weekly_markdown ? markdownToHtml(l.weekly_markdown, { shift: 3, idPrefix: 'weekly' }) : '<p>Nothing to report.</p>'}</details>
<details class="md-report" id="monthly"><summary>Monthly failure trends</summary>${l.monthly_markdown ? markdownToHtml(l.monthly_markdown, { shift: 3, idPrefix: 'monthly' }) : '<p>Nothing to report.</p>'}</details>
</section>`;
}

function compareSection(c: Comparison, data: ReportData): string {
  const has = (id: string) => Object.hasOwn(data.details, id);
  const maybeLink = (id: string | null, text: string) => (id !== null && has(id) ? runLink(id, text) : esc(text));
  const failures = (list: Comparison['new_failures'], caption: string) =>
    list.length
      ? table({
          caption,
          head: ['Failure', 'Severity', 'Scenarios'],
          rows: list.map((f) => [
            maybeLink(f.trace_id, f.label),
            f.severity ? `<span class="badge sev-${f.severity.toLowerCase()}">${f.severity}</span>` : '–',
            f.scenarios.map(esc).join(', '),
          ]),
        })
      : '<p class="note">None.</p>';
  const list = (items: string[]) =>
    items.length
      ? `<ul class="plain">${items.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ul>`
      : '<p class="note">None.</p>';
  return `<section id="compare" class="view" aria-labelledby="compare-h">
<h2 id="compare-h">Compare: build <code>${esc(c.build_id)}</code> against <code>${esc(c.baseline_id)}</code></h2>
<p class="lede">What changed from the baseline build to this one. Runs are paired by scenario and repeat; failures are told apart ${c.failures_by === 'fingerprint' ? 'by the ledger’s fingerprint' : 'by scenario and detected kind (the ledger holds neither build)'}.</p>
${statList([
  ['Runs (baseline → now)', `${num(c.baseline_runs)} → ${num(c.runs)}`],
  ['Detected kind changed', num(c.kind_changed.length), c.kind_changed.length ? 'warn' : ''],
  ['New failures', num(c.new_failures.length), c.new_failures.length ? 'bad' : ''],
  ['Failures gone', num(c.failures_gone.length), c.failures_gone.length ? 'good' : ''],
  ['Scenarios added', num(c.scenarios_added.length)],
  ['Scenarios removed', num(c.scenarios_removed.length)],
])}
<h3 id="compare-kinds-h">Runs whose detected kind changed</h3>
${c.kind_changed.length ? table({ caption: 'Paired by scenario and repeat', head: ['Scenario', 'Subject', 'Expected', 'Baseline', 'Now'], rows: c.kind_changed.map((k) => [runLink(k.trace_id, k.repeat_index ? `${k.scenario_id} #${k.repeat_index}` : k.scenario_id), esc(k.subject_id), kindBadge(k.expected), `${kindBadge(k.baseline)} ${has(k.baseline_trace_id) ? runLink(k.baseline_trace_id, 'run') : ''}`, kindBadge(k.current)]) }) : '<p class="note">No run changed its detected kind.</p>'}
<h3 id="compare-new-h">New failures</h3>
${failures(c.new_failures, 'In this build, not in the baseline')}
<h3 id="compare-gone-h">Failures gone</h3>
${failures(c.failures_gone, 'In the baseline, not in this build')}
<h3 id="compare-added-h">Scenarios added</h3>
${list(c.scenarios_added)}
<h3 id="compare-removed-h">Scenarios removed</h3>
${list(c.scenarios_removed)}
</section>`;
}

/** The runs as the page's script reads them: one array per run, strings that repeat replaced by their index. */
export function packRuns(rows: readonly RunRow[]): unknown {
  const index = (values: string[]) => new Map(values.map((v, i) => [v, i]));
  const builds = [...new Set(rows.map((r) => r.build_id ?? ''))];
  const scenarios = [...new Set(rows.map((r) => r.scenario_id))];
  const subjects = [...new Set(rows.map((r) => r.subject_id))];
  const messages = [...new Set(rows.map((r) => r.message ?? ''))];
  const m = index(messages);
  const b = index(builds);
  const sc = index(scenarios);
  const su = index(subjects);
  const o = index([...OUTCOMES]);
  const rc = index([...RECOVERY_OUTCOMES]);
  const ft = index([...FAILURE_TYPE_NAMES]);
  const t0 = rows.length ? rows.reduce((m, r) => (r.started_at < m ? r.started_at : m), rows[0]!.started_at) : null;
  const t0ms = t0 === null ? 0 : Date.parse(t0);
  return {
    columns: [
      'trace_id',
      'failure_id',
      'build',
      'scenario',
      'subject',
      'repeat_index',
      'expected',
      'detected',
      'started_ms',
      'duration_ms',
      'cascade_depth',
      'recovery',
      'failure_type',
      'message',
      'steps',
    ],
    t0,
    builds,
    scenarios,
    subjects,
    outcomes: OUTCOMES,
    recoveries: RECOVERY_OUTCOMES,
    failure_types: FAILURE_TYPE_NAMES,
    messages,
    rows: rows.map((r) => [
      r.trace_id,
      r.failure_id,
      b.get(r.build_id ?? ''),
      sc.get(r.scenario_id),
      su.get(r.subject_id),
      r.repeat_index,
      o.get(r.expected),
      o.get(r.detected),
      Date.parse(r.started_at) - t0ms,
      r.duration_ms,
      r.cascade_depth,
      rc.get(r.recovery),
      ft.get(r.failure_type),
      m.get(r.message ?? ''),
      r.steps,
    ]),
  };
}

/**
 * The report as one self-contained HTML page: inline stylesheet and script (admitted by hash in a
 * Content-Security-Policy that forbids every request), charts as inline SVG, the data as JSON.
 * Without script it shows the overview, the ledger, the comparison and the first runs as static
 * tables; with it, the runs table sorts and filters, and each run opens in its own view.
 */
export function renderReportPage(data: ReportData, options: RenderOptions = {}): string {
  const assets = options.assets ?? pageAssets();
  const staticRows = options.staticRows ?? STATIC_RUN_ROWS;
  const charts = { ...overviewCharts(data.overview), ...(data.ledger ? ledgerCharts(data.ledger) : {}) };
  const csp = `default-src 'none'; script-src ${assets.jsHash}; style-src ${assets.cssHash}; img-src data:; base-uri 'none'; form-action 'none'`;
  const scope = data.scope.build_id ? `build <code>${esc(data.scope.build_id)}</code>` : 'all builds';
  const asOf =
    data.as_of === null
      ? ''
      : ` · as of ${esc(utc(data.as_of))}${data.as_of_source === 'records' ? ' (just after the newest record)' : ''}`;
  const { runs, details, ...rest } = data;
  const meta = { ...rest, limits: REPORT_LIMITS, static_rows: Math.min(staticRows, runs.length) };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="agent-failure-lab ${esc(data.format)}">
<title>${esc(data.title)}: ${data.scope.build_id ? `build ${esc(data.scope.build_id)}` : 'all builds'}</title>
<link rel="icon" href="data:,">
<style>${assets.css}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header class="masthead">
<div class="wrap">
<p class="brand">Agent failure lab</p>
<h1>${esc(data.title)}: ${scope}</h1>
<p class="scope">${plural(data.overview.runs, 'run')} from the ${esc(data.scope.store)} store${asOf}${data.scope.baseline_id ? ` · compared with build <code>${esc(data.scope.baseline_id)}</code>` : ''}</p>
<nav class="views" aria-label="Report views"><ul>
<li><a href="#overview">Overview</a></li>
<li><a href="#runs">Runs <span class="count">${num(data.overview.runs)}</span></a></li>
<li><a href="#ledger">Ledger</a></li>
${data.compare ? '<li><a href="#compare">Compare</a></li>\n' : ''}</ul></nav>
</div>
</header>
<main id="main" class="wrap" tabindex="-1">
${overviewSection(data, charts)}
${runsSection(data, staticRows)}
<section id="run" class="view" aria-labelledby="run-h" hidden><h2 id="run-h" tabindex="-1">Run</h2><div id="run-body"></div></section>
${ledgerSection(data, charts)}
${data.compare ? compareSection(data.compare, data) : ''}
</main>
<footer class="wrap foot"><p>Written by agent-failure-lab (${esc(data.format)}). Everything this page shows is in this one file: the data as JSON in the elements <code>#report-meta</code>, <code>#report-runs</code> and <code>#report-details</code>; it makes no network request. Previews are trimmed for the report (a step’s to ${num(REPORT_LIMITS.stepPreviewChars)} characters, a stack to ${REPORT_LIMITS.stackLines} frames); the store keeps every record whole.</p></footer>
<script type="application/json" id="report-meta">${jsonForScript(meta)}</script>
<script type="application/json" id="report-runs">${jsonForScript(packRuns(runs))}</script>
<script type="application/json" id="report-details">${jsonForScript(internValues(details))}</script>
<script>${assets.js}</script>
</body>
</html>
`;
}
