// lab fuzz over MCP call sites (docs/chaos.md): the shipped stdio control of mcp-client-forecast,
// its fuzz block narrowed to the kinds that fail fast (a hang waits out the client's 15 s timeout),
// searched with a fixed seed: MCP sites are in the table, each MCP finding shrinks to its one MCP
// fault, the same seed gives the same bytes, and every saved finding captures again with its label.
// The CLI runs in-process (main with a test io).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

interface FuzzJson {
  seed: number;
  runs: number;
  findings: { fingerprint: string; kind: string; faults: Record<string, unknown>[]; trials: number }[];
}

async function lab(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, cwd: ROOT });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const ID = 'mcp-client-forecast-control';
const KINDS = [
  'status_400',
  'mcp_is_error',
  'mcp_jsonrpc_error',
  'mcp_disconnect',
  'mcp_tools_changed',
  'mcp_start_fail',
];
let dir: string;
let scenarios: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lab-fuzz-mcp-'));
  scenarios = path.join(dir, 'scenarios');
  await mkdir(scenarios);
  const control = JSON.parse(await readFile(path.join(ROOT, 'scenarios', `${ID}.json`), 'utf8'));
  delete control.$schema;
  delete control.variants;
  await writeFile(path.join(scenarios, `${ID}.json`), JSON.stringify({ ...control, fuzz: { kinds: KINDS } }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('lab fuzz over MCP calls', () => {
  it('searches MCP call sites and the server start, shrinks each MCP finding to its one fault, and is byte-identical for a seed', {
    timeout: 180_000,
  }, async () => {
    const saved = path.join(dir, 'saved');
    const html = path.join(dir, 'matrix.html');
    const args = ['fuzz', ID, '--scenarios', scenarios, '--runs', '12', '--seed', '5', '--json'];
    const first = await lab([...args, '--save', saved, '--html', html]);
    expect(first.code, first.err).toBe(1);
    const second = await lab(args);
    expect(second.out).toBe(first.out);
    const json = JSON.parse(first.out) as FuzzJson;
    const mcp = json.findings.filter((f) => f.faults.some((fault) => 'mcp' in fault));
    expect(mcp.length).toBeGreaterThan(0);
    // Each fails alone, so each minimal set is exactly one MCP fault, at its site.
    for (const f of mcp) expect(f.faults).toHaveLength(1);
    const faults = mcp.map((f) => f.faults[0]);
    expect(faults).toContainEqual({
      mcp: 'weather',
      tool: 'get_forecast',
      call: 1,
      fault: { is_error: true, result: 'get_forecast failed (lab fuzz)' },
    });
    expect(faults).toContainEqual({
      mcp: 'weather',
      tool: 'get_forecast',
      call: 1,
      fault: { jsonrpc_error: { code: -32603, message: 'get_forecast failed (lab fuzz)' } },
    });

    // The resilience table has a row per MCP site and kind.
    const text = await lab(['fuzz', ID, '--scenarios', scenarios, '--runs', '0', '--seed', '5', '--quiet']);
    expect(text.out).toMatch(/mcp weather get_forecast call 1\s+mcp_is_error\s+failed: exception \(finding \d+\)/);
    expect(text.out).toMatch(/mcp weather get_forecast call 1\s+mcp_tools_changed\s+failed: exception/);
    expect(text.out).toMatch(/mcp weather start\s+mcp_start_fail\s+failed: exception \(finding \d+\)/);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<th scope="row">mcp weather get_forecast call 1</th>');
    expect(page).toContain('<th scope="col">mcp_start_fail</th>');
    expect(page).toContain('mcp weather get_forecast call 1: is_error');

    // Every saved finding is an ordinary scenario (it loads, static checks and all) and captures again with its label.
    const catalog = await SubjectCatalog.open(path.join(ROOT, 'subjects'));
    const subjects = (await catalog.load(['mcp-client-forecast'])) as Map<string, Subject>;
    const loaded = await loadScenarios(saved, subjects);
    expect(loaded).toHaveLength(json.findings.length);
    const server = await ScriptedModelServer.start();
    try {
      const runs = await Promise.all(
        loaded.map(({ scenario }) =>
          runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server }),
        ),
      );
      expect(runs.map((r) => `${r.trace.scenario_id}: ${r.trace.detected}`)).toEqual(
        loaded.map((l) => `${l.scenario.id}: ${l.scenario.expected}`),
      );
      // The saved MCP faults are the script's now, each listed with its site.
      const sites = runs.flatMap((r) => r.trace.injected_faults.filter((f) => 'mcp' in f.site));
      expect(sites.length).toBe(mcp.length);
      for (const f of sites) expect(f.source).toBe('script');
    } finally {
      await server.close();
    }
  });
});
