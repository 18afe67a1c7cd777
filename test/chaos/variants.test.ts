// Variants (docs/chaos.md): each runs as "<id>/<variant id>" with its own label, every record lists
// the faults it got (injected_faults, by construction), and lab scenarios names a misplaced fault
// by file and line. In-process: the scripted server and the subjects run in the test's process.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_KINDS } from '../../src/contracts/failure-kind.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { main } from '../../src/cli/main.ts';
import { runScenarios } from '../../src/vitest/run-scenarios.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios, type LoadedScenario } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let loaded: LoadedScenario[];
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = (await loadSubjects(path.join(ROOT, 'subjects'))) as Map<string, Subject>;
  loaded = await loadScenarios(path.join(ROOT, 'scenarios'), subjects, {
    select: (s) => s.id.startsWith('chaos-forecast-baseline'),
  });
});
afterAll(() => server?.close());

describe('variants', () => {
  it('run as <id>/<variant id>, each labelled as it expects, across every kind and with controls', async () => {
    const ids = loaded.map((l) => l.scenario.id);
    expect(ids[0]).toBe('chaos-forecast-baseline');
    const variants = loaded.slice(1);
    expect(variants.length).toBeGreaterThanOrEqual(9);
    expect(variants.every((v) => v.scenario.id.startsWith('chaos-forecast-baseline/'))).toBe(true);
    expect(variants.every((v) => v.scenario.tags.includes('variant'))).toBe(true);
    // Every kind, and at least one control variant.
    const expected = new Set(variants.map((v) => v.scenario.expected));
    for (const kind of FAILURE_KINDS) expect(expected).toContain(kind);
    expect(expected).toContain(null);

    // Through the vitest integration: a capture (memory store and ledger) as `lab capture` runs it.
    const runs = await runScenarios({ cwd: ROOT, filter: 'chaos-forecast-baseline' });
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
    const ordered = ids.map((id) => runs.get(id)!);
    const labels = ordered.map((r) => `${r.result.scenario}: ${r.result.detected ?? 'pass'}`);
    expect(labels).toEqual(loaded.map((l) => `${l.scenario.id}: ${l.scenario.expected ?? 'pass'}`));
    for (const r of ordered) {
      expect(r.result.matched).toBe(true);
      expect(r.result.stored && r.result.retrieved).toBe(true);
      expect(TraceRecord.safeParse(r.trace).success).toBe(true);
    }
    const results = ordered.map((r) => ({ trace: r.trace! }));

    // The baseline's runs list no fault; each variant's run lists its own, with the step each hit.
    expect(results[0]!.trace.injected_faults).toEqual([]);
    const byId = new Map(results.map((r) => [r.trace.scenario_id, r.trace]));
    const unavailable = byId.get('chaos-forecast-baseline/forecast-unavailable')!;
    expect(unavailable.injected_faults.map((f) => [f.source, f.site, f.step_type, f.fault])).toEqual([
      ['variant', { tool: 'get_forecast', call: 1 }, 'tool_call', { error: 'upstream down' }],
      ['variant', { tool: 'get_forecast', call: 2 }, 'tool_call', { error: 'upstream down' }],
    ]);
    for (const fault of unavailable.injected_faults) {
      const step = unavailable.steps[fault.step_index!]!;
      expect(step.type).toBe('tool_call');
      expect(step.status).toBe('error');
    }
    const twice = byId.get('chaos-forecast-baseline/summary-429-twice')!;
    expect(twice.injected_faults.map((f) => [f.site, f.step_type])).toEqual([
      [{ model_call: 1 }, 'model_call'],
      [{ model_call: 2 }, 'model_call'],
    ]);
    for (const fault of twice.injected_faults) {
      const step = twice.steps[fault.step_index!]!;
      expect(step.type === 'model_call' && step.http_status).toBe(429);
    }
  });

  it("records a script's own faults as source script, and leaves out a fault on a call never made", async () => {
    const [one] = await loadScenarios(path.join(ROOT, 'scenarios'), subjects, {
      select: (s) => s.id === 'rule-weather-429-retried-control',
    });
    const { trace } = await runWithFailureDetection(subjects.get('weather-agent')!, one!.scenario, { model: server });
    expect(trace.injected_faults).toEqual([
      {
        source: 'script',
        site: { model_call: 1 },
        step_index: trace.steps.findIndex((s) => s.type === 'model_call'),
        step_type: 'model_call',
        fault: { status: 429, retry_after_ms: 20 },
      },
    ]);
    // The tool hangs variant is cut at the deadline: its tool fault is there, but no later call.
    const hangs = loaded.find((l) => l.scenario.id === 'chaos-forecast-baseline/tool-hangs')!;
    const run = await runWithFailureDetection(subjects.get('forecast-agent')!, hangs.scenario, { model: server });
    expect(run.trace.injected_faults.map((f) => f.site)).toEqual([{ tool: 'get_forecast', call: 1 }]);
    expect(run.trace.steps.some((s) => s.type === 'model_call')).toBe(false);
    // A copy of a variant with another label (as a test relabelling it makes) keeps its faults' sources.
    const stale = loaded.find((l) => l.scenario.id === 'chaos-forecast-baseline/stale-replica')!;
    const copy = await runWithFailureDetection(
      subjects.get('forecast-agent')!,
      { ...stale.scenario, expected: null },
      { model: server },
    );
    expect(copy.trace.injected_faults.map((f) => [f.source, f.site])).toEqual([
      ['variant', { tool: 'get_forecast', call: 1 }],
    ]);
  });
});

describe('lab scenarios checks variants before anything runs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bad-variants-'));
    await copyFile(path.join(ROOT, 'test/fixtures/chaos/bad-variants.yaml'), path.join(dir, 'bad-variants.yaml'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exits 2 naming the file, the line and the fix of each misplaced fault', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['scenarios', '--scenarios', dir], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      cwd: ROOT,
    });
    expect(code).toBe(2);
    const text = err.join('\n');
    const file = path.join(dir, 'bad-variants.yaml');
    // A model call the script never reaches (it answers 2).
    expect(text).toMatch(
      new RegExp(
        `${esc(file)}:19 at variants\\[0\\]\\.faults\\[0\\]\\.model_call: model_call 5 is never made: the baseline's script answers 2 model calls.*use a call from 1 to 2`,
      ),
    );
    // Two faults on one call.
    expect(text).toMatch(
      new RegExp(`${esc(file)}:27 at variants\\[1\\]\\.faults\\[1\\]\\.model_call: two faults on one call`),
    );
    // A duplicate variant id.
    expect(text).toMatch(
      new RegExp(
        `${esc(file)}:29 at variants\\[2\\]\\.id: duplicate variant id "beyond", also variants\\[0\\]: rename one`,
      ),
    );
    // A tool call the script asks for once.
    expect(text).toMatch(
      new RegExp(
        `${esc(file)}:38 at variants\\[3\\]\\.faults\\[0\\]\\.call: get_weather call 2 is never made: the baseline's script asks for "get_weather" 1 time`,
      ),
    );
    // An MCP server the subject does not have.
    expect(text).toMatch(
      new RegExp(`${esc(file)}:44 at variants\\[4\\]\\.faults\\[0\\]\\.mcp: weather-agent has no MCP server "weather"`),
    );
    // A turn on a single-shot scenario.
    expect(text).toMatch(
      new RegExp(
        `${esc(file)}:53 at variants\\[5\\]\\.faults\\[0\\]\\.turn: turn is for a conversation .*the baseline is single-shot: remove turn`,
      ),
    );
  });
});
