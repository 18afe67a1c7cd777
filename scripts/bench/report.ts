// Part 5: the HTML report of 10,000 runs: the time to write it, its size per run, and the time
// until it is interactive in headless Chromium (the performance mark its script sets once the runs
// table is wired up). The runs are real: every shipped scenario captured once (with its failure
// ledger), then cloned with new ids, build ids and later times up to 10,000 runs, with the failure,
// recovery and fallback records stored beside each.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { ledgerSettingsFromEnv } from '../../src/ledger/ledger-settings.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { buildHtmlReport } from '../../src/report/write-report.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { TraceStore } from '../../src/store/trace-store.ts';
import { chromiumPath, INSTALL_HINT, launchChromium } from '../../test/report/chromium.ts';
import { cloneRuns } from '../../test/report/clone-runs.ts';
import { type BenchContext, median, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function everyRecord(store: TraceStore): Promise<LabRecord[]> {
  const out: LabRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { records: LabRecord[]; cursor: string | null } = await store.query({
      record_type: 'all',
      limit: 500,
      cursor,
    });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/** The bytes of the data the page embeds per run: its row in #report-runs and its view in #report-details. */
function dataBytes(html: string): number {
  const block = (id: string) => {
    const start = html.indexOf(`<script type="application/json" id="${id}">`);
    return Buffer.byteLength(html.slice(start, html.indexOf('</script>', start)));
  };
  return block('report-runs') + block('report-details');
}

export async function benchReport({ quick, rows, progress }: BenchContext, server: ScriptedModelServer): Promise<void> {
  const runs = quick ? 1000 : 10_000;
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
  const source = new MemoryStore();
  const ledger = new MemoryLedger();
  const { summary } = await runCapture({
    scenarios,
    subjects,
    store: source,
    model: server,
    concurrency: 8,
    buildId: 'bench-source',
    ledger: { store: ledger, settings: ledgerSettingsFromEnv({}) },
  });
  if (summary.exit_code !== 0)
    throw new Error(`bench report: the source capture did not pass: ${JSON.stringify(summary)}`);
  const records = await everyRecord(source);

  // One pass of the shipped scenarios: every run different, nothing for the page to share between runs.
  const distinct = await buildHtmlReport({ store: source, ledger, buildId: 'bench-source' });
  rows.push(
    row({
      name: `report: file size, ${summary.runs} distinct runs (one capture of every shipped scenario)`,
      unit: 'KB',
      lab: distinct.bytes / 1024,
      note: `embedded run data ${kb(dataBytes(distinct.html) / summary.runs)} a run`,
    }),
  );

  const store = new MemoryStore();
  await store.putMany(cloneRuns(records, runs));
  const writeMs: number[] = [];
  let html = '';
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const started = performance.now();
    const report = await buildHtmlReport({ store, ledger });
    writeMs.push(performance.now() - started);
    html = report.html;
  }
  const bytes = Buffer.byteLength(html);
  const label = runs.toLocaleString('en-US');
  rows.push(
    row({
      name: `report: write the HTML report of ${label} runs (gather from a memory store, render; ${quick ? '1 run' : 'median of 3'})`,
      unit: 's',
      lab: median(writeMs) / 1000,
    }),
    row({
      name: `report: file size, ${label} runs`,
      unit: 'MB',
      lab: bytes / 1e6,
      note: `${kb(bytes / runs)} a run, of which embedded run data ${kb(dataBytes(html) / runs)}`,
    }),
  );

  const chromium = chromiumPath();
  if (!chromium) {
    progress(`report: no Chromium, so no browser figures (${INSTALL_HINT})`);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'lab-bench-report-'));
  const file = path.join(dir, 'report.html');
  await writeFile(file, html);
  const browser = await launchChromium(chromium);
  try {
    const interactive: number[] = [];
    const filter: number[] = [];
    const firstRun: number[] = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${file}`);
      await page.locator('html[data-interactive="true"]').waitFor({ state: 'attached', timeout: 120_000 });
      interactive.push(await page.evaluate<number>('performance.getEntriesByName("report-interactive")[0].startTime'));
      await page.evaluate('location.hash = "#runs"');
      await page.selectOption('#f-detected', 'timeout');
      filter.push(Number(await page.getAttribute('#runs-status', 'data-ms')));
      const clicked = performance.now();
      await page.click('#runs-body a');
      await page.locator('#run-body .timeline').waitFor();
      firstRun.push(performance.now() - clicked);
      await page.close();
    }
    rows.push(
      row({
        name: `report: time to interactive in headless Chromium, ${label} runs (navigation to the script's mark; median of ${interactive.length})`,
        unit: 'ms',
        lab: median(interactive),
      }),
      row({ name: `report: filter ${label} runs by kind in Chromium (median)`, unit: 'ms', lab: median(filter) }),
      row({
        name: "report: open the first run's view in Chromium (parses the run details; median)",
        unit: 'ms',
        lab: median(firstRun),
      }),
    );
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}
