// The HTML report in a real browser: Debian's Chromium driven by playwright-core. Reports are
// written from real captures (two builds, files store) and from 10,000 runs cloned from them.
// Screenshots of every view go to test-output/report/ for a person to look at.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { writeHtmlReport } from '../../src/report/write-report.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';
import { chromiumPath, INSTALL_HINT, launchChromium } from './chromium.ts';
import { cloneRuns } from './clone-runs.ts';

const CHROMIUM = chromiumPath();
const CI = Boolean(process.env.CI);
const SHOTS = path.join(ROOT, 'test-output', 'report');
if (!CHROMIUM && !CI)
  console.warn(`Skipping the HTML report's browser tests: no Chromium found. To run them, ${INSTALL_HINT}.`);

/** Fast scenarios that between them fail every way, cascade, recover and fall back. */
const SCENARIOS = [
  'calculator-correct',
  'calculator-division-by-zero',
  'extractor-429-then-success',
  'extractor-missing-field',
  'extractor-rate-limited',
  'qa-citation-exists',
  'qa-cites-missing-doc',
  'planner-valid-plan',
  'recovery-compensation-after-partial-write',
  'recovery-default-fallback-wrong',
  'recovery-three-level-cascade',
  'rule-forecast-tool-timeout',
];
const RUNS_10K = 10_000;

// In CI (CI set) the browser tests always run: without Chromium, that is a failed test.
describe.runIf(CHROMIUM || CI)('the HTML report in Chromium, in CI', () => {
  it('finds Chromium', () => {
    expect(CHROMIUM, `CI runs the browser tests, and no Chromium was found: ${INSTALL_HINT}`).not.toBeNull();
  });
});

// Generous timeouts: a busy two-core machine can be slow to start a browser or lay out a page, and
// nothing here is a timing assertion.
describe.skipIf(!CHROMIUM)('the HTML report in Chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let browser: Browser;
  let report: string;
  let bigReport: string;
  let bigWriteMs = 0;
  let bigBytes = 0;

  beforeAll(async () => {
    if (!CHROMIUM) return;
    dir = await mkdtemp(path.join(tmpdir(), 'lab-report-'));
    await mkdir(SHOTS, { recursive: true });
    const store = path.join(dir, 'store');
    // Build A: the scenarios as they ship. Build B: calculator-correct now reports 57 (its ground
    // truth flags it: a changed kind, and a mismatch), qa-citation-exists is gone, planner-wrong-shape is new.
    const a = path.join(dir, 'scenarios-a');
    const b = path.join(dir, 'scenarios-b');
    await mkdir(a);
    await mkdir(b);
    for (const id of SCENARIOS) await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(a, `${id}.json`));
    for (const id of [...SCENARIOS.filter((s) => s !== 'qa-citation-exists'), 'planner-wrong-shape'])
      await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(b, `${id}.json`));
    const calc = JSON.parse(await readFile(path.join(b, 'calculator-correct.json'), 'utf8'));
    calc.model.replies[1].json = { result: 57, explanation: '(3 + 4) * 8 = 57' };
    await writeFile(path.join(b, 'calculator-correct.json'), JSON.stringify(calc));
    const env = { LAB_STORE: 'files', LAB_DIR: store };
    const captureA = await runMain(['capture', '--scenarios', a, '--build-id', 'build-a'], { env });
    expect(captureA.code, captureA.stderr).toBe(0);
    const captureB = await runMain(
      ['capture', '--scenarios', b, '--build-id', 'build-b', '--report', path.join(dir, 'capture-report.html')],
      { env },
    );
    expect(captureB.code, captureB.stdout).toBe(1); // calculator-correct is a mismatch now
    expect(captureB.stderr).toMatch(/wrote the HTML report of build build-b \(12 runs/);
    report = path.join(dir, 'report.html');
    const written = await runMain(
      ['report', '--format', 'html', '--build-id', 'build-b', '--baseline', 'build-a', '--out', report],
      { env },
    );
    expect(written.code, written.stderr).toBe(0);

    // 10,000 runs: build A's runs and their derived records, cloned with new ids and later times.
    const files = await FilesStore.open(store);
    const records: LabRecord[] = [];
    let cursor: string | null = null;
    do {
      const page: { records: LabRecord[]; cursor: string | null } = await files.query({
        record_type: 'all',
        limit: 500,
        cursor,
      });
      records.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    const runs = await files.query({ build_id: 'build-a', limit: 100 });
    await files.close();
    const buildA = new Set(runs.records.map((r) => r.trace_id));
    const sources = records.filter(
      (r) =>
        buildA.has((r as { trace_id: string }).trace_id) ||
        buildA.has((r as { original_trace_id?: string }).original_trace_id ?? ''),
    );
    const big = new MemoryStore();
    await big.putMany(cloneRuns(sources, RUNS_10K));
    bigReport = path.join(dir, 'report-10000.html');
    const started = performance.now();
    bigBytes = (await writeHtmlReport(bigReport, { store: big, ledger: new MemoryLedger() })).bytes;
    bigWriteMs = performance.now() - started;

    browser = await launchChromium(CHROMIUM!);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens a report with every request and console message recorded; waits until its script is ready. */
  async function open(
    file: string,
    options: { colorScheme?: 'light' | 'dark'; javaScriptEnabled?: boolean; hash?: string; width?: number } = {},
  ) {
    const context = await browser.newContext({
      viewport: { width: options.width ?? 1280, height: 900 },
      colorScheme: options.colorScheme ?? 'light',
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url().startsWith('file:') ? route.continue() : route.abort();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`file://${file}${options.hash ?? ''}`);
    // Waits go through locators: the page's CSP forbids eval, which a string waitForFunction needs.
    if (options.javaScriptEnabled !== false)
      await page.locator('html[data-interactive="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    return { page, context, requests, problems };
  }

  const view = async (page: Page, hash: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.locator(hash.startsWith('#run=') ? '#run' : hash).waitFor({ state: 'visible' });
  };
  const waitShown = (page: Page, n: number) =>
    page.locator(`#runs-status[data-shown="${n}"]`).waitFor({ state: 'attached', timeout: 30_000 });
  const shot = (page: Page, name: string, fullPage = true) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
  const shownRows = (page: Page) => page.locator('#runs-body tr').count();
  const shownCount = async (page: Page) => Number(await page.getAttribute('#runs-status', 'data-shown'));

  it('makes no request beyond its own file, logs no error, and shows every view (screenshots in test-output/report/)', async () => {
    const { page, context, requests, problems } = await open(report);
    await shot(page, 'overview');
    await view(page, '#runs');
    await shot(page, 'runs', false);
    await view(page, '#ledger');
    await shot(page, 'ledger');
    await view(page, '#compare');
    await shot(page, 'compare');
    await view(
      page,
      `#run=${await page
        .locator('#runs-body a')
        .first()
        .getAttribute('href')
        .then((h) => h!.slice(5))}`,
    );
    await view(page, '#overview');
    expect(await page.locator('#overview svg').count()).toBeGreaterThanOrEqual(7);
    expect(problems).toEqual([]);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(new Set(requests)).toEqual(new Set([`file://${report}`]));
    await context.close();
  });

  it('filters and sorts the runs table', async () => {
    const { page, context, problems } = await open(report, { hash: '#runs' });
    expect(await shownCount(page)).toBe(12);
    await page.selectOption('#f-detected', 'exception');
    const exceptions = await shownCount(page);
    expect(exceptions).toBeGreaterThan(0);
    expect(exceptions).toBeLessThan(12);
    expect(await shownRows(page)).toBe(exceptions);
    for (const cell of await page.locator('#runs-body tr td:nth-child(4) .badge').allTextContents())
      expect(cell).toBe('exception');
    await page.selectOption('#f-detected', '');
    await page.check('#f-mismatch');
    expect(await shownCount(page)).toBe(1);
    expect(await page.locator('#runs-body tr').first().textContent()).toContain('calculator-correct');
    // The mismatch shows both outcomes: Expected pass beside Detected hallucination_flag.
    expect(await page.locator('#runs-body tr').first().locator('td .badge').allTextContents()).toEqual([
      'pass',
      'hallucination_flag',
    ]);
    await page.uncheck('#f-mismatch');
    await page.selectOption('#f-recovery', 'degraded');
    const degraded = await shownCount(page);
    await page.selectOption('#f-recovery', '');
    expect(degraded).toBeLessThan(12);
    await page.fill('#f-text', 'division');
    await waitShown(page, 1);
    expect(await page.locator('#runs-body tr').first().textContent()).toContain('calculator-division-by-zero');
    await page.fill('#f-text', '');
    await waitShown(page, 12);
    // Sort by duration, then again for the other way round.
    const durations = async () =>
      (await page.locator('#runs-body td:nth-child(6)').allTextContents()).map((t) =>
        t.endsWith(' s') ? parseFloat(t) * 1000 : parseFloat(t),
      );
    await page.click('#runs-table th[data-sort="duration"] button');
    expect(await page.getAttribute('#runs-table th[data-sort="duration"]', 'aria-sort')).toBe('ascending');
    const up = await durations();
    expect(up).toEqual([...up].sort((x, y) => x - y));
    await page.click('#runs-table th[data-sort="duration"] button');
    expect(await page.getAttribute('#runs-table th[data-sort="duration"]', 'aria-sort')).toBe('descending');
    const down = await durations();
    expect(down).toEqual([...down].sort((x, y) => y - x));
    await page.click('#runs-table th[data-sort="scenario"] button');
    const names = await page.locator('#runs-body th a').allTextContents();
    expect(names).toEqual([...names].sort());
    await page.click('#f-reset');
    await waitShown(page, 12);
    await shot(page, 'runs-sorted', false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a run's steps, its failure with the evidence, its cascade and its recovery", async () => {
    const { page, context, problems } = await open(report, { hash: '#runs' });
    await page.fill('#f-text', 'extractor-missing-field');
    await waitShown(page, 1);
    await page.click('#runs-body a');
    await page.waitForSelector('#run-body .timeline');
    expect(await page.textContent('#run-h')).toBe('Run: extractor-missing-field');
    expect(await page.locator('#run-body .timeline > li').count()).toBeGreaterThan(0);
    expect(await page.locator('#run-body .timeline').textContent()).toContain('model call');
    const evidence = await page.locator('#run-body .evidence').textContent();
    expect(evidence).toContain('Validation issues');
    expect(evidence).toMatch(/total\s*invalid_type/);
    expect(await page.locator('#run-body .tree').first().textContent()).toContain('primary');
    expect(await page.locator('#run-body .tag.own').count()).toBe(1);
    expect(await page.locator('#run-body').textContent()).toMatch(/OpenTelemetry trace[0-9a-f]{32}/);
    // "shows at step N" scrolls to the step and keeps the run in the address.
    const url = page.url();
    await page.click('#run-body .facts a[href^="#step-"]');
    expect(page.url()).toBe(url);
    expect(await page.evaluate<string>('document.activeElement.id')).toMatch(/^step-\d+$/);
    await shot(page, 'run-validation');

    // A hallucination reached through a fallback: flags with what was known, the recovery episode and the fallback.
    await view(page, `#run=${await traceIdOf(page, 'recovery-default-fallback-wrong')}`);
    expect(await page.locator('#run-body .evidence').textContent()).toContain('Grounding flags');
    const recovery = await page.locator('#run-body section[aria-labelledby="run-recovery-h"]').textContent();
    expect(recovery).toContain('Fallbacks');
    expect(recovery).toContain('default:get_forecast');
    expect(await page.locator('#run-body .timeline > li').count()).toBe(4);
    await shot(page, 'run-fallback');

    // An exception: the error with its class; the cascade from the rate-limited model call.
    await view(page, `#run=${await traceIdOf(page, 'extractor-rate-limited')}`);
    expect(await page.locator('#run-body .evidence').textContent()).toContain('RateLimitError');
    expect(await page.locator('#run-body .tree li').count()).toBeGreaterThanOrEqual(2);
    await shot(page, 'run-exception');
    expect(problems).toEqual([]);
    await context.close();
  });

  /** The trace id of a scenario's run in the report's own data. */
  async function traceIdOf(page: Page, scenario: string): Promise<string> {
    return page.evaluate(
      `(() => { const p = JSON.parse(document.getElementById('report-runs').textContent); const s = p.scenarios.indexOf(${JSON.stringify(scenario)}); return p.rows.find((r) => r[3] === s)[0]; })()`,
    );
  }

  it('compares two builds: the changed kind, the scenarios added and removed', async () => {
    const { page, context, problems } = await open(report, { hash: '#compare' });
    const changed = await page.locator('#compare-kinds-h + .table-wrap').textContent();
    expect(changed).toContain('calculator-correct');
    expect(changed).toMatch(/pass.*hallucination_flag/);
    expect(await page.locator('#compare-added-h + ul').textContent()).toContain('planner-wrong-shape');
    expect(await page.locator('#compare-removed-h + ul').textContent()).toContain('qa-citation-exists');
    expect(await page.locator('#compare-new-h + .table-wrap').textContent()).toContain('calculator-correct');
    // The changed run opens from the comparison.
    await page.click('#compare-kinds-h + .table-wrap tbody th a');
    await page.waitForSelector('#run-body .timeline');
    expect(await page.textContent('#run-h')).toBe('Run: calculator-correct');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('works with the keyboard alone: Tab reaches the filters, Enter opens a run, Escape goes back', async () => {
    const { page, context, problems } = await open(report);
    const active = () =>
      page.evaluate<string>(
        '(() => { const a = document.activeElement; return a ? (a.id || a.tagName + ":" + (a.getAttribute("href") || "")) : ""; })()',
      );
    await page.keyboard.press('Tab');
    expect(await active()).toBe('A:#main'); // the skip link first
    await page.keyboard.press('Tab');
    expect(await active()).toBe('A:#overview');
    await page.keyboard.press('Tab');
    expect(await active()).toBe('A:#runs');
    await page.keyboard.press('Enter');
    await page.locator('#runs').waitFor({ state: 'visible' });
    expect(await active()).toBe('runs-h');
    let found = false;
    for (let i = 0; i < 5 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await active()) === 'f-text';
    }
    expect(found).toBe(true);
    const focusVisible = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(focusVisible).not.toBe('none');
    await page.keyboard.type('rate');
    await expect.poll(() => shownCount(page), { timeout: 30_000 }).toBeLessThan(12);
    let link = '';
    for (let i = 0; i < 40 && !link.startsWith('A:#run='); i++) {
      await page.keyboard.press('Tab');
      link = await active();
    }
    expect(link).toMatch(/^A:#run=/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#run-body .timeline');
    expect(await active()).toBe('run-h');
    expect(page.url()).toContain('#run=');
    await page.keyboard.press('Escape');
    await page.locator('#runs').waitFor({ state: 'visible' });
    expect(await active()).toBe(link);
    // The skip link moves focus to the report and leaves the view as it is.
    await page.evaluate('document.activeElement.blur(); window.scrollTo(0, 0)');
    await page.focus('a.skip');
    await page.keyboard.press('Enter');
    expect(await active()).toBe('main');
    expect(await page.locator('#runs').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads without script: the overview, the ledger and a static runs table', async () => {
    const { page, context, requests } = await open(report, { javaScriptEnabled: false });
    for (const id of ['overview', 'runs', 'ledger', 'compare'])
      expect(await page.locator(`#${id}`).isVisible()).toBe(true);
    expect(await page.locator('#run').isVisible()).toBe(false);
    expect(await page.locator('#run-filters').isVisible()).toBe(false);
    expect(await shownRowsStatic(page)).toBe(12);
    expect(await page.locator('#overview svg').count()).toBeGreaterThanOrEqual(7);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    await shot(page, 'no-script');
    await context.close();
  });
  const shownRowsStatic = (page: Page) => page.locator('#runs-body tr').count();

  it('follows a dark system theme and prints without its controls', async () => {
    const { page, context, problems } = await open(report, { colorScheme: 'dark' });
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(18, 22, 29)');
    await shot(page, 'overview-dark');
    await view(page, `#run=${await traceIdOf(page, 'recovery-three-level-cascade')}`);
    await shot(page, 'run-dark');
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    expect(await page.locator('nav.views').isVisible()).toBe(false);
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(255, 255, 255)');
    await view(page, '#overview');
    await shot(page, 'overview-print');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads at 1280 and 1920 px, light and dark: every view, no table clipped (screenshots VIEW-SCHEME-WIDTH.png)', async () => {
    for (const width of [1280, 1920])
      for (const colorScheme of ['light', 'dark'] as const) {
        const { page, context, problems } = await open(report, { colorScheme, width });
        const run = await traceIdOf(page, 'recovery-three-level-cascade');
        for (const [name, hash] of [
          ['overview', '#overview'],
          ['runs', '#runs'],
          ['ledger', '#ledger'],
          ['compare', '#compare'],
          ['run', `#run=${run}`],
        ] as const) {
          await view(page, hash);
          await shot(page, `${name}-${colorScheme}-${width}`);
          // A table wider than its box scrolls and cuts its last columns (the repeats table's "Latest status", once).
          // A chart's numbers, behind "The numbers as a table", may scroll inside their half-width figure.
          const clipped = await page.evaluate<string[]>(
            `[...document.querySelectorAll('.view:not([hidden]) .table-wrap')].filter((w) => w.offsetParent !== null && !w.closest('details') && w.scrollWidth > w.clientWidth + 1).map((w) => w.querySelector('thead')?.textContent.slice(0, 80) ?? '?')`,
          );
          expect(clipped, `${name} at ${width} px, ${colorScheme}`).toEqual([]);
        }
        expect(problems).toEqual([]);
        await context.close();
      }
  });

  it('the report capture --report wrote opens too', async () => {
    const { page, context, problems, requests } = await open(path.join(dir, 'capture-report.html'), { hash: '#runs' });
    expect(await shownCount(page)).toBe(12);
    expect(await page.textContent('h1')).toContain('build-b');
    expect(problems).toEqual([]);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    await context.close();
  });

  it('stays usable with 10,000 runs (times are measured and printed, not asserted)', async () => {
    const opened = performance.now();
    const { page, context, problems, requests } = await open(bigReport);
    const wallMs = performance.now() - opened;
    const interactiveMs = await page.evaluate<number>(
      'performance.getEntriesByName("report-interactive")[0].startTime',
    );
    await view(page, '#runs');
    expect(await shownCount(page)).toBe(RUNS_10K);
    expect(await shownRows(page)).toBe(100);
    const expectedTimeouts = await page.evaluate<number>(
      '(() => { const p = JSON.parse(document.getElementById("report-runs").textContent); const t = p.outcomes.indexOf("timeout"); return p.rows.filter((r) => r[7] === t).length; })()',
    );
    await page.selectOption('#f-detected', 'timeout');
    expect(await shownCount(page)).toBe(expectedTimeouts);
    expect(await page.textContent('#runs-status')).toContain(
      `of ${expectedTimeouts.toLocaleString('en-US')} runs (10,000 in all)`,
    );
    const filterMs = Number(await page.getAttribute('#runs-status', 'data-ms'));
    await page.selectOption('#f-detected', '');
    await page.fill('#f-text', 'forecast');
    await expect.poll(() => shownCount(page), { timeout: 30_000 }).toBeLessThan(RUNS_10K);
    const searchMs = Number(await page.getAttribute('#runs-status', 'data-ms'));
    await page.click('#runs-table th[data-sort="duration"] button');
    const sortMs = Number(await page.getAttribute('#runs-status', 'data-ms'));
    await page.click('#pg-next');
    expect(await page.textContent('#pg-info')).toMatch(/^Page 2 of/);
    await shot(page, 'runs-10000', false);
    const clicked = performance.now();
    await page.click('#runs-body a');
    await page.waitForSelector('#run-body .timeline');
    const firstRunMs = performance.now() - clicked;
    expect(problems).toEqual([]);
    expect(new Set(requests)).toEqual(new Set([`file://${bigReport}`]));
    console.log(
      `report of ${RUNS_10K.toLocaleString('en-US')} runs: written in ${Math.round(bigWriteMs)} ms, ${(bigBytes / 1e6).toFixed(1)} MB (${Math.round(bigBytes / RUNS_10K)} bytes a run); ` +
        `in Chromium: interactive ${Math.round(interactiveMs)} ms after navigation (open to ready ${Math.round(wallMs)} ms), filter by kind ${filterMs} ms, text search ${searchMs} ms, sort ${sortMs} ms, first run view ${Math.round(firstRunMs)} ms`,
    );
    await context.close();
  });
});
