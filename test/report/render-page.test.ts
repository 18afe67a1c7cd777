import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { gatherReportData } from '../../src/report/gather-report-data.ts';
import { renderReportPage } from '../../src/report/render-page.ts';
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
});
