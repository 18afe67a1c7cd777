// lab fuzz over MCP call sites (docs/chaos.md): the shipped stdio control of mcp-client-forecast,
// its fuzz block narrowed to the kinds that fail fast (a hang waits out the client's 15 s timeout),
// searched with a fixed seed: MCP sites are in the table, each MCP finding shrinks to its one MCP
// fault, the same seed gives the same bytes, and every saved finding captures again with its label.
// The CLI runs in-process (main with a test io).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fuzzSpace } from '../../src/chaos/fuzz-space.ts';
import { faultedScenario } from '../../src/chaos/place-faults.ts';
import { main } from '../../src/cli/main.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
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

  it('in a conversation, an MCP call is a site counted across the run, labelled with its turn, and its fault is located there', {
    timeout: 60_000,
  }, async () => {
    // Each turn asks the weather server for the city the user names, over a connection of its own.
    const chat = defineSubject({
      id: 'mcp-chat',
      description: 'A conversation that asks the MCP weather server for each city the user names.',
      inputSchema: z.object({}),
      outputSchema: z.object({ forecast: z.string() }),
      toolsCalledBy: 'subject',
      mcp_servers: {
        weather: { command: [process.execPath, path.join(ROOT, 'examples/mcp-weather-server/server.ts')] },
      },
      async respond(message, _history, ctx) {
        const proxied = ctx.mcp.weather!;
        const client = new Client({ name: 'mcp-chat', version: '1.0.0' });
        await client.connect(new StdioClientTransport({ command: proxied.command, args: [...proxied.args] }));
        try {
          const result = await client.callTool({ name: 'get_forecast', arguments: { city: message } });
          const text = (result.content as { text?: string }[]).map((c) => c.text ?? '').join('');
          if (result.isError) throw new Error(`get_forecast failed: ${text}`);
          return { forecast: text };
        } finally {
          await client.close();
        }
      },
    });
    const baseline = Scenario.parse({
      id: 'mcp-chat',
      subject: 'mcp-chat',
      description: 'd',
      expected: null,
      deadline_ms: 30000,
      input: {},
      turns: [{ user: 'Paris' }, { user: 'Oslo' }],
    });
    const server = await ScriptedModelServer.start();
    try {
      const { trace } = await runWithFailureDetection(chat, baseline, { model: server });
      expect(trace.detected, trace.failure?.message).toBeNull();
      const space = fuzzSpace(baseline, trace);
      expect(space.sites.map((s) => s.label)).toEqual([
        'mcp weather get_forecast call 1 (turn 1)',
        'mcp weather get_forecast call 2 (turn 2)',
        'mcp weather start',
      ]);
      const fault = space.sites[1]!.kinds.find((k) => k.kind === 'mcp_is_error')!.values[0]!;
      const trial = faultedScenario(baseline, [fault], 'fuzz', {
        id: 'mcp-chat/fuzz',
        description: 'd',
        expected: null,
      });
      const run = await runWithFailureDetection(chat, trial, { model: server });
      expect(run.trace.detected).toBe('exception');
      expect(run.trace.failure!.location.turn).toBe(2);
      expect(run.trace.injected_faults).toMatchObject([
        { source: 'fuzz', site: { mcp: 'weather', tool: 'get_forecast', call: 2 }, step_type: 'tool_call' },
      ]);
      const step = run.trace.steps[run.trace.injected_faults[0]!.step_index!]!;
      expect(step).toMatchObject({ type: 'tool_call', turn: 2, status: 'error' });
    } finally {
      await server.close();
    }
  });
});
