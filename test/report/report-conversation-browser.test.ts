// A conversation's run in the HTML report, in a real browser (Debian's Chromium, playwright-core):
// its turns in the timeline, each step's turn, and the turn the failure shows in.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { writeHtmlReport } from '../../src/report/write-report.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { chromiumPath, launchChromium } from './chromium.ts';

const CHROMIUM = chromiumPath();

describe.skipIf(!CHROMIUM)('a conversation in the HTML report, in Chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let browser: Browser;
  let report: string;
  let traceId: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lab-report-conversation-'));
    const catalog = await SubjectCatalog.open(path.join(ROOT, 'subjects'));
    const subject = (await catalog.load(new Set(['weather-chat']))).get('weather-chat')!;
    const scenario = Scenario.parse(
      JSON.parse(await readFile(path.join(ROOT, 'scenarios', 'conv-weather-503-in-turn-2.json'), 'utf8')),
    );
    const server = await ScriptedModelServer.start();
    const store = new MemoryStore();
    try {
      const { trace, related } = await runWithFailureDetection(subject, scenario, { model: server });
      traceId = trace.trace_id;
      await store.putMany([trace, ...related.failure_traces, ...related.recovery_traces, ...related.fallback_records]);
    } finally {
      await server.close();
    }
    report = path.join(dir, 'report.html');
    await writeHtmlReport(report, { store, ledger: new MemoryLedger() });
    browser = await launchChromium(CHROMIUM!);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows the turns in the run's timeline, each step's turn, and the failure's turn", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url().startsWith('file:') ? route.continue() : route.abort();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`file://${report}#run=${traceId}`);
    await page.locator('#run-body .timeline').waitFor({ state: 'visible', timeout: 60_000 });
    const steps = await page.locator('#run-body .timeline > li').allTextContents();
    expect(steps).toHaveLength(10);
    expect(steps[0]).toContain('turn 1 · replied');
    expect(steps[4]).toContain('turn 2 · error');
    expect(steps[5]).toMatch(/HTTP 503.* · turn 2/);
    expect(steps[6]).toContain('turn 3 · replied');
    const facts = await page.locator('#run-body .facts', { hasText: 'shows at' }).first().textContent();
    expect(facts).toMatch(/turn\s*turn 2/);
    expect(facts).toMatch(/shows at\s*step 5/);
    expect(problems).toEqual([]);
    expect(requests.every((url) => url.startsWith('file:'))).toBe(true);
    await context.close();
  });
});
