// lab fuzz (docs/chaos.md): seeded, deterministic, shrinking to the faults a failure needs, and
// findings saved as scenarios that capture again with the same label. The CLI runs in-process
// (main with a test io): its scripted server and subjects share the test's process.
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
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

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lab-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('lab fuzz', () => {
  it('gives byte-identical --json for the same seed on the shipped weather-agent control', {
    timeout: 600_000,
  }, async () => {
    const args = ['fuzz', 'chaos-weather-control', '--runs', '200', '--seed', '7', '--json', '--concurrency', '16'];
    // The two at once: a fuzz is nearly all waiting (a hang trial lasts to its 5 s deadline; about
    // 2 s of CPU in 30 s of wall time), and the same seed must give the same bytes whatever runs beside it.
    const started = performance.now();
    const [first, second] = await Promise.all([lab(args), lab(args)]);
    const bothMs = performance.now() - started;
    console.log(`lab fuzz chaos-weather-control --runs 200 --seed 7: ${Math.round(bothMs)} ms (two at once)`);
    expect(first.code).toBe(1);
    expect(second.out).toBe(first.out);
    const json = JSON.parse(first.out) as FuzzJson;
    expect(json.seed).toBe(7);
    expect(json.runs).toBe(200);
    expect(json.findings.length).toBeGreaterThan(0);
    // Every finding is minimal by construction; spot-check the single-fault ones name one fault.
    for (const f of json.findings) expect(f.faults.length).toBeGreaterThanOrEqual(1);
    expect(new Set(json.findings.map((f) => f.fingerprint)).size).toBe(json.findings.length);
  });

  it('shrinks a planted failure that needs two faults together to exactly those two', {
    timeout: 300_000,
  }, async () => {
    const scenarios = path.join(dir, 'planted');
    await rm(scenarios, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(scenarios));
    await copyFile(path.join(ROOT, 'test/fixtures/chaos/two-429s.yaml'), path.join(scenarios, 'two-429s.yaml'));
    const saved = path.join(dir, 'saved');
    const html = path.join(dir, 'matrix.html');
    const run = await lab([
      'fuzz',
      'two-429s',
      '--scenarios',
      scenarios,
      '--runs',
      '60',
      '--seed',
      '3',
      '--json',
      '--save',
      saved,
      '--html',
      html,
    ]);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.out) as FuzzJson;
    expect(json.findings).toHaveLength(1);
    const [finding] = json.findings;
    expect(finding!.kind).toBe('exception');
    expect(finding!.faults).toHaveLength(2);
    const calls = finding!.faults.map((f) => f.model_call as number);
    expect(calls[1]).toBe(calls[0]! + 1);
    for (const f of finding!.faults) expect(f.fault).toEqual({ status: 429, retry_after_ms: 10 });
    // Any one of the two alone is survived: the resilience table has no failed single 429.
    const text = await lab(['fuzz', 'two-429s', '--scenarios', scenarios, '--runs', '0', '--seed', '3', '--quiet']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/model_call 1\s+status_429\s+survived/);
    expect(text.out).not.toContain('failed:');
    // The matrix lists the finding; no single-fault cell failed, so none links to it.
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<li id="finding-1">');
    expect(page).toContain(`model_call ${calls[0]}: status 429`);
    expect(page).not.toContain('href="#finding-');

    // The saved finding is an ordinary scenario: captured again, it gives its label.
    const files = await readdir(saved);
    expect(files).toEqual(['two-429s-fuzz-1.json']);
    const subjects = (await loadSubjects(path.join(ROOT, 'subjects'))) as Map<string, Subject>;
    const [loaded] = await loadScenarios(saved, subjects);
    expect(loaded!.scenario.expected).toBe('exception');
    expect(loaded!.scenario.tags).toContain('fuzz');
    expect(loaded!.scenario.description).toContain('model_call');
    const server = await ScriptedModelServer.start();
    try {
      const { trace } = await runWithFailureDetection(subjects.get('weather-agent')!, loaded!.scenario, {
        model: server,
      });
      expect(trace.detected).toBe('exception');
      expect(trace.injected_faults.map((f) => f.source)).toEqual(['script', 'script']);
    } finally {
      await server.close();
    }
  });

  it('saves every finding of the weather control as a scenario that captures again with its label', {
    timeout: 600_000,
  }, async () => {
    const saved = path.join(dir, 'weather-findings');
    const run = await lab([
      'fuzz',
      'chaos-weather-control',
      '--runs',
      '20',
      '--seed',
      '11',
      '--save',
      saved,
      '--quiet',
    ]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('Resilience: each fault kind alone at each call');
    const subjects = (await loadSubjects(path.join(ROOT, 'subjects'))) as Map<string, Subject>;
    const loaded = await loadScenarios(saved, subjects);
    expect(loaded.length).toBeGreaterThan(1);
    const server = await ScriptedModelServer.start();
    try {
      const results = await Promise.all(
        loaded.map(({ scenario }) =>
          runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server }),
        ),
      );
      expect(results.map((r) => `${r.trace.scenario_id}: ${r.trace.detected}`)).toEqual(
        loaded.map((l) => `${l.scenario.id}: ${l.scenario.expected}`),
      );
    } finally {
      await server.close();
    }
  });

  it('exits 2 for a baseline that does not pass, and for an unknown scenario', async () => {
    const failing = await lab(['fuzz', 'rule-weather-400-not-retried-exception', '--runs', '1', '--quiet']);
    expect(failing.code).toBe(2);
    expect(failing.err).toMatch(/searches around a passing baseline/);
    const unknown = await lab(['fuzz', 'no-such-scenario', '--quiet']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no scenario "no-such-scenario"');
  });
});
