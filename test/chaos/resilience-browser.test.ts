// The resilience matrix of lab fuzz in a real browser: Debian's Chromium through playwright-core,
// as the HTML report is tested (test/report/report-browser.test.ts). The page comes from a fuzz
// result written out by hand, so this file runs no fuzz.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resilienceHtml } from '../../src/chaos/resilience-html.ts';
import type { FuzzResult } from '../../src/chaos/run-fuzz.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { chromiumPath, INSTALL_HINT, launchChromium } from '../report/chromium.ts';

const CHROMIUM = chromiumPath();
const CI = Boolean(process.env.CI);
const SHOTS = path.join(ROOT, 'test-output', 'chaos');
if (!CHROMIUM && !CI)
  console.warn(`Skipping the resilience matrix's browser tests: no Chromium found. To run them, ${INSTALL_HINT}.`);

const RESULT: FuzzResult = {
  scenario_id: 'chaos-weather-control',
  subject_id: 'weather-agent',
  seed: 7,
  runs: 200,
  max_faults: 3,
  executed: 120,
  space: { sites: [] },
  findings: [
    {
      fingerprint: 'fp1:aaaa',
      kind: 'exception',
      faults: [{ model_call: 1, fault: { status: 400 } }],
      trials: 30,
      message: '400 status code (no body) <script>alert(1)</script>',
      shrink_runs: 1,
      shrink_trials: 2,
      found_with: 2,
    },
    {
      fingerprint: 'fp1:bbbb',
      kind: 'timeout',
      faults: [{ tool: 'get_weather', call: 1, hang: true }],
      trials: 12,
      message: 'the run did not finish within 3000 ms',
      shrink_runs: 0,
      shrink_trials: 0,
      found_with: 1,
    },
    {
      fingerprint: 'fp1:cccc',
      kind: 'hallucination_flag',
      faults: [{ tool: 'get_weather', call: 1, error: 'get_weather failed (lab fuzz)' }],
      trials: 9,
      message: 'the answer states 18, which no source has',
      shrink_runs: 0,
      shrink_trials: 0,
      found_with: 1,
    },
    {
      fingerprint: 'fp1:dddd',
      kind: 'exception',
      faults: [{ mcp: 'weather', tool: 'get_forecast', call: 1, fault: { is_error: true, result: 'x' } }],
      trials: 4,
      message: 'McpToolFailedError: the MCP tool get_forecast failed: x',
      shrink_runs: 0,
      shrink_trials: 0,
      found_with: 1,
    },
    {
      fingerprint: 'fp1:eeee',
      kind: 'exception',
      faults: [{ mcp: 'weather', start: 'fail' }],
      trials: 2,
      message: 'McpError: MCP error -32000: Connection closed',
      shrink_runs: 0,
      shrink_trials: 0,
      found_with: 1,
    },
  ],
  table: [
    {
      site: 'model_call 1',
      kind: 'status_429',
      fault: { model_call: 1, fault: { status: 429 } },
      outcome: null,
      finding: null,
    },
    {
      site: 'model_call 1',
      kind: 'status_400',
      fault: { model_call: 1, fault: { status: 400 } },
      outcome: 'exception',
      finding: 0,
    },
    {
      site: 'get_weather call 1',
      kind: 'tool_hang',
      fault: { tool: 'get_weather', call: 1, hang: true },
      outcome: 'timeout',
      finding: 1,
    },
    {
      site: 'get_weather call 1',
      kind: 'tool_error',
      fault: { tool: 'get_weather', call: 1, error: 'x' },
      outcome: 'hallucination_flag',
      finding: 2,
    },
    {
      site: 'mcp weather get_forecast call 1',
      kind: 'mcp_is_error',
      fault: { mcp: 'weather', tool: 'get_forecast', call: 1, fault: { is_error: true, result: 'x' } },
      outcome: 'exception',
      finding: 3,
    },
    {
      site: 'mcp weather get_forecast call 1',
      kind: 'mcp_delay',
      fault: { mcp: 'weather', tool: 'get_forecast', call: 1, fault: { delay_ms: 100 } },
      outcome: null,
      finding: null,
    },
    {
      site: 'mcp weather start',
      kind: 'mcp_start_fail',
      fault: { mcp: 'weather', start: 'fail' },
      outcome: 'exception',
      finding: 4,
    },
  ],
};

describe.runIf(CHROMIUM || CI)('the resilience matrix in Chromium, in CI', () => {
  it('finds Chromium', () => {
    expect(CHROMIUM, `CI runs the browser tests, and no Chromium was found: ${INSTALL_HINT}`).not.toBeNull();
  });
});

describe.skipIf(!CHROMIUM)('the resilience matrix in Chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let file: string;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lab-matrix-'));
    file = path.join(dir, 'matrix.html');
    await writeFile(file, resilienceHtml(RESULT));
    browser = await launchChromium(CHROMIUM!);
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const colorScheme of ['light', 'dark'] as const)
    it(`shows each cell coloured by its outcome and linked to its finding (${colorScheme})`, async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, colorScheme });
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
      await page.goto(`file://${file}`);
      // Nothing but the file itself is requested, and the CSP admits the inline stylesheet.
      expect(requests).toEqual([`file://${file}`]);
      expect(problems).toEqual([]);
      const colour = (selector: string) =>
        page
          .locator(selector)
          .first()
          .evaluate((el) => (globalThis as any).getComputedStyle(el).borderLeftColor as string);
      const survived = await colour('td.o-pass');
      const exception = await colour('td.o-exception');
      const timeout = await colour('td.o-timeout');
      const flagged = await colour('td.o-hallucination_flag');
      expect(new Set([survived, exception, timeout, flagged]).size).toBe(4);
      // A cell a fault kind does not fit is marked, not left blank.
      // 4 call sites (a model call, a tool, an MCP call, an MCP server's start) by 7 kinds, 7 of them filled.
      expect(await page.locator('td.o-none').count()).toBe(21);
      // The message is text, never markup.
      expect(await page.locator('script').count()).toBe(0);
      await expect(page.locator('#finding-1 .note').textContent()).resolves.toContain('<script>');
      // A failed cell links to its minimal finding.
      await page.locator('td.o-timeout a').click();
      expect(new URL(page.url()).hash).toBe('#finding-2');
      await expect(page.locator('#finding-2').isVisible()).resolves.toBe(true);
      await expect(page.locator('#finding-2').textContent()).resolves.toContain('get_weather call 1: hang');
      // An MCP call's cell and an MCP server's start link to their findings too.
      await page.locator('tr:has(th:text-is("mcp weather get_forecast call 1")) td.o-exception a').click();
      expect(new URL(page.url()).hash).toBe('#finding-4');
      await expect(page.locator('#finding-4').textContent()).resolves.toContain(
        'mcp weather get_forecast call 1: is_error',
      );
      await page.locator('tr:has(th:text-is("mcp weather start")) td.o-exception a').click();
      expect(new URL(page.url()).hash).toBe('#finding-5');
      await expect(page.locator('#finding-5').textContent()).resolves.toContain('mcp weather start: fail');
      await page.screenshot({ path: path.join(SHOTS, `matrix-${colorScheme}.png`), fullPage: true });
      await context.close();
    });
});
