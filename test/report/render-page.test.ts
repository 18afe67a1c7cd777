import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { gatherReportData } from '../../src/report/gather-report-data.ts';
import { formatDuration } from '../../src/analytics/markdown.ts';
import { everyDay, MIN_TREND_DAYS } from '../../src/report/charts.ts';
import type { LedgerView } from '../../src/report/report-data.ts';
import { renderReportPage, runRowHtml } from '../../src/report/render-page.ts';
import { buildHtmlReport } from '../../src/report/write-report.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { fixtureLedger, fixtureStoreRecords } from './fixture-records.ts';

async function fixtureReport(options: { reverse?: boolean } = {}) {
  const store = new MemoryStore();
  const records = fixtureStoreRecords();
  for (const r of options.reverse ? [...records].reverse() : records) await store.put(r);
  const ledger = new MemoryLedger();
  const failures = fixtureLedger();
  for (const r of options.reverse ? [...failures].reverse() : failures) await ledger.create(r);
  return buildHtmlReport({ store, ledger, buildId: 'b2', baselineId: 'b1' });
}

/** The text of an inline element: <tag ...>text</tag>. */
function inline(html: string, open: string): string {
  const start = html.indexOf(open) + open.length;
  return html.slice(start, html.indexOf('</', start));
}

describe('renderReportPage', () => {
  afterEach(() => vi.useRealTimers());

  it('matches the golden file', async () => {
    const { html } = await fixtureReport();
    await expect(html).toMatchFileSnapshot('./fixtures/report-b2-vs-b1.golden.html');
  });

  it('gives the same bytes for the same records, whatever the clock and the order they were stored in', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const a = (await fixtureReport()).html;
    vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
    const b = (await fixtureReport({ reverse: true })).html;
    expect(b).toBe(a);
    expect(a).not.toContain('2030-01-01');
    expect(a).not.toContain('2031-06-01');
  });

  it('is self-contained: a Content-Security-Policy that forbids every request and admits exactly its own style and script', async () => {
    const { html } = await fixtureReport();
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(csp).toMatch(/^default-src 'none'; /);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(inline(html, '<script>'))}`);
    expect(csp).toContain(`style-src ${hash(inline(html, '<style>'))}`);
    // Nothing that could load: no external address, no src, no stylesheet link, no style attribute.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link rel="stylesheet"/);
    expect(html).not.toMatch(/<script src=/);
    expect(html).not.toMatch(/ style="/);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.match(/<style>/g)).toHaveLength(1);
  });

  it('shows the overview, the ledger, the comparison and the runs as static HTML, with accessible tables and charts', async () => {
    const { html, data } = await fixtureReport();
    for (const id of ['overview', 'runs', 'ledger', 'compare'])
      expect(html).toContain(`<section id="${id}" class="view"`);
    expect(html).toContain('<section id="run" class="view" aria-labelledby="run-h" hidden>');
    expect(html).toMatch(/<nav class="views" aria-label="Report views">/);
    expect(html).toMatch(/<main id="main"/);
    expect(html).toContain('<th scope="col"');
    expect(html).toContain('<th scope="row"');
    // Each chart is an inline SVG with a namespace and a label; its numbers are a table too.
    const svgs = html.match(/<svg [^>]*>/g)!;
    expect(svgs.length).toBeGreaterThanOrEqual(9);
    for (const svg of svgs)
      expect(svg).toMatch(/xmlns="http:\/\/www\.w3\.org\/2000\/svg" role="img" aria-label="[^"]+"/);
    expect(html.match(/The numbers as a table/g)!.length).toBe(svgs.length);
    // Every run of the build is a row, linking to its view.
    for (const r of data.runs) expect(html).toContain(`<a href="#run=${r.trace_id}">`);
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).toContain('@media print');
  });

  it('caps the static runs table and says how many more the script shows', async () => {
    const store = new MemoryStore();
    for (const r of fixtureStoreRecords()) await store.put(r);
    const data = await gatherReportData({ store, ledger: null });
    const html = renderReportPage(data, { staticRows: 4 });
    const rows = html
      .slice(html.indexOf('<tbody id="runs-body">'), html.indexOf('</tbody>', html.indexOf('<tbody id="runs-body">')))
      .match(/<tr/g);
    expect(rows).toHaveLength(4);
    expect(html).toContain('9 more runs: open with script enabled to see them all.');
    expect(html).toContain('No failure ledger was read for this report');
  });

  it('escapes what the records hold: no record can add markup or end a script element', async () => {
    const store = new MemoryStore();
    const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    for (const r of fixtureStoreRecords()) {
      const copy = structuredClone(r) as typeof r & { scenario_id?: string; failure?: { message: string } | null };
      if ('scenario_id' in copy && copy.scenario_id === 'planner-valid-plan') {
        copy.scenario_id = evil;
        if (copy.failure) copy.failure = { ...copy.failure, message: evil, scenario_id: evil } as never;
      }
      await store.put(copy);
    }
    const { html } = await buildHtmlReport({ store, ledger: new MemoryLedger() });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
  it('reads at 1280 px: one duration format, an Expected column, a whole-text link, the legend beside its charts', async () => {
    const { html, data } = await fixtureReport();
    // MTTR in the format the Markdown reports use, which picks its unit: never "0.0 h" for minutes.
    const mttr = data.ledger!.mttr.filter((m) => m.mean_hours !== null);
    expect(mttr.length).toBeGreaterThan(0);
    for (const m of mttr) expect(html).toContain(`<td class="num">${formatDuration(m.mean_hours! * 3_600_000)}</td>`);
    expect(html).not.toContain('>0.0 h<');
    const minute = { ...mttr[0]!, mean_hours: 1 / 60, median_hours: 1 / 60, p90_hours: 1 / 60, max_hours: 1 / 60 };
    const quick = renderReportPage({ ...data, ledger: { ...data.ledger!, mttr: [minute] } });
    expect(quick).toContain('<td class="num">1 min</td><td class="num">1 min</td>');
    // The runs table has Expected beside Detected, and every row shows both.
    expect(html).toContain(
      '<th scope="col" data-sort="expected">Expected</th><th scope="col" data-sort="detected">Detected</th>',
    );
    const run = data.runs.find((r) => r.message !== null)!;
    expect(runRowHtml(run, false)).toContain(`<td><span class="badge k-${run.expected}">${run.expected}</span></td>`);
    // A message cut for the table links to the run's view, which shows it whole.
    const cut = runRowHtml({ ...run, message: `${'x'.repeat(159)}…` }, false);
    expect(cut).toContain(`…</span> <a href="#run=${run.trace_id}">whole text</a>`.replace('</span> ', ' '));
    expect(runRowHtml(run, false)).not.toContain('whole text');
    // The colour legend sits in the captions of the charts coloured by outcome, not above the first chart.
    const legend = '<ul class="legend" aria-label="Colours of the outcomes">';
    for (const id of ['fig-kinds', 'fig-subjects']) {
      const caption = html.slice(html.indexOf(`<figure class="chart" id="${id}"`));
      expect(caption.slice(0, caption.indexOf('</figcaption>'))).toContain(legend);
    }
    expect(html.indexOf(legend)).toBeGreaterThan(html.indexOf('id="fig-confusion"'));
  });

  it('draws one day of data on a week of days, so the trend is a narrow bar', () => {
    const day = {
      date: '2026-12-06',
      recorded: 3,
      runs: 3,
      repeats: 0,
      regressions: 0,
      resolved: 0,
      prevented: 0,
      reopened: 0,
      escalations: 0,
      by_severity: { HIGH: 3 },
    };
    const days = everyDay({ trends: [day] } as unknown as LedgerView);
    expect(days).toHaveLength(MIN_TREND_DAYS);
    expect(days.map((d) => d.date)).toEqual([
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ]);
    expect(days.at(-1)).toBe(day);
    expect(days[0]!.recorded).toBe(0);
  });
});
