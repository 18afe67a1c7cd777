// Where a variant's fault lands (docs/chaos.md): on an MCP call (the scenario's mcp block) and in a
// conversation's turn (turns[n], calls counted within the turn), and what the run's record lists.
// In-process: the scripted server, the subjects and the MCP proxy run in the test's process (the
// MCP weather server is a child process, as every MCP run's).
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeFaults } from '../../src/chaos/place-faults.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios, type LoadedScenario } from '../../src/scenario/load-scenarios.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let loaded: LoadedScenario[];

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = (await (
    await SubjectCatalog.open(path.join(ROOT, 'subjects'))
  ).load(['mcp-client-forecast', 'weather-chat'])) as Map<string, Subject>;
  const dir = await mkdtemp(path.join(tmpdir(), 'variant-sites-'));
  for (const name of ['mcp-client-forecast-control.json', 'conv-weather-control.json'])
    await cp(path.join(ROOT, 'scenarios', name), path.join(dir, name));
  loaded = await loadScenarios(dir, subjects);
});
afterAll(() => server?.close());

const scenario = (id: string) => loaded.find((l) => l.scenario.id === id)!.scenario;
const run = async (id: string) => {
  const s = scenario(id);
  const { trace } = await runWithFailureDetection(subjects.get(s.subject)!, s, { model: server });
  expect(TraceRecord.safeParse(trace).success).toBe(true);
  return trace;
};

describe('a variant places an MCP fault', () => {
  it("in the scenario's mcp block; the run is labelled as the variant expects and lists the fault as the variant's", async () => {
    const failing = scenario('mcp-client-forecast-control/is-error');
    expect(failing.mcp).toEqual({
      weather: { get_forecast: [{ is_error: true, result: 'forecast service unavailable' }] },
    });
    const [base, error, slow] = await Promise.all(
      ['mcp-client-forecast-control', 'mcp-client-forecast-control/is-error', 'mcp-client-forecast-control/slow'].map(
        run,
      ),
    );
    expect(base!.detected).toBeNull();
    expect(base!.injected_faults).toEqual([]);
    expect(error!.detected).toBe('exception');
    expect(slow!.detected).toBeNull();
    for (const [trace, fault] of [
      [error!, { is_error: true, result: 'forecast service unavailable' }],
      [slow!, { delay_ms: 100 }],
    ] as const) {
      const step = trace.steps.find((s) => s.type === 'tool_call' && s.mcp !== null)!;
      expect(trace.injected_faults).toEqual([
        {
          source: 'variant',
          site: { mcp: 'weather', tool: 'get_forecast', call: 1 },
          step_index: step.index,
          step_type: 'tool_call',
          fault,
        },
      ]);
    }
  });

  it("keeps the baseline's own MCP script, pads the calls before with pass-throughs, and refuses two faults on one call", () => {
    const baseline = Scenario.parse({
      ...scenario('mcp-client-forecast-control'),
      variants: [],
      mcp: { weather: { get_forecast: [{ delay_ms: 5 }] } },
    });
    const placed = placeFaults(
      baseline,
      [{ mcp: 'weather', tool: 'get_forecast', call: 3, fault: { disconnect: true } }],
      'variant',
    );
    expect(placed.problems).toEqual([]);
    expect(placed.mcp).toEqual({ weather: { get_forecast: [{ delay_ms: 5 }, {}, { disconnect: true }] } });
    expect(baseline.mcp.weather!.get_forecast).toHaveLength(1); // The baseline is not changed.
    expect(placed.planned).toEqual([
      { source: 'variant', site: { mcp: 'weather', tool: 'get_forecast', call: 3 }, fault: { disconnect: true } },
    ]);
    const twice = placeFaults(
      baseline,
      [
        { mcp: 'weather', tool: 'get_forecast', call: 1, fault: { hang: true } },
        { mcp: 'weather', tool: 'get_forecast', call: 2, fault: { hang: true } },
        { mcp: 'weather', tool: 'get_forecast', call: 2, fault: { malformed: true } },
        { mcp: 'weather', tool: 'get_forecast', call: 2, turn: 1, fault: { malformed: true } },
      ],
      'variant',
    ).problems;
    expect(twice.map((p) => [p.fault, p.key])).toEqual([
      [3, 'turn'],
      [0, 'call'],
      [2, 'call'],
    ]);
    expect(twice[1]!.message).toMatch(
      /already gets a fault from the baseline's own mcp block \(mcp\.weather\.get_forecast\[0\]\)/,
    );
    expect(twice[2]!.message).toMatch(/two faults on one call \(weather get_forecast call 2, also faults\[1\]\)/);
  });

  it('puts a start fault in mcp_start, and refuses it twice on one server or beside a call fault on that server', () => {
    const baseline = Scenario.parse({ ...scenario('mcp-client-forecast-control'), variants: [] });
    const placed = placeFaults(baseline, [{ mcp: 'weather', start: 'fail' }], 'fuzz');
    expect(placed.problems).toEqual([]);
    expect(placed.mcp_start).toEqual({ weather: 'fail' });
    expect(placed.planned).toEqual([{ source: 'fuzz', site: { mcp: 'weather' }, fault: { start: 'fail' } }]);
    const problems = placeFaults(
      baseline,
      [
        { mcp: 'weather', start: 'fail' },
        { mcp: 'weather', start: 'fail' },
        { mcp: 'weather', tool: 'get_forecast', call: 1, fault: { hang: true } },
      ],
      'variant',
    ).problems;
    expect(problems.map((p) => [p.fault, p.key])).toEqual([
      [1, 'start'],
      [2, 'mcp'],
    ]);
    expect(problems[0]!.message).toMatch(/two start faults on MCP server weather \(also faults\[0\]\)/);
    expect(problems[1]!.message).toMatch(
      /MCP server weather is asked not to start \(faults\[0\]\), so no call reaches it/,
    );
    const asked = Scenario.parse({ ...baseline, mcp_start: { weather: 'fail' } });
    expect(placeFaults(asked, [{ mcp: 'weather', start: 'fail' }], 'variant').problems[0]!.message).toMatch(
      /the baseline's own mcp_start\.weather/,
    );
  });
});

describe("a variant places a fault in a conversation's turn", () => {
  it('counts calls within the turn, labels the run as expected and lists the fault with its turn and step', async () => {
    const v = scenario('conv-weather-control/503-in-turn-2');
    expect(v.turns![1]!.replies[0]).toEqual({ fault: { status: 503 } });
    expect(v.turns![1]!.replies).toHaveLength(3); // The baseline's first reply moves one call on.
    expect(v.turns![0]).toEqual(scenario('conv-weather-control').turns![0]);
    const [base, failing, control] = await Promise.all(
      ['conv-weather-control', 'conv-weather-control/503-in-turn-2', 'conv-weather-control/slow-tool-in-turn-3'].map(
        run,
      ),
    );
    expect(base!.detected).toBeNull();
    expect(base!.injected_faults).toEqual([]);

    expect(failing!.detected).toBe('exception');
    expect(failing!.failure!.location.turn).toBe(2);
    const [fault] = failing!.injected_faults;
    expect(failing!.injected_faults).toHaveLength(1);
    expect(fault).toMatchObject({
      source: 'variant',
      site: { model_call: 1, turn: 2 },
      step_type: 'model_call',
      fault: { status: 503 },
    });
    // The first model_call step of turn 2, the one that got the 503.
    const hit = failing!.steps[fault!.step_index!]!;
    expect(hit).toMatchObject({ type: 'model_call', turn: 2, http_status: 503 });
    expect(failing!.steps.find((s) => s.type === 'model_call' && s.turn === 2)!.index).toBe(hit.index);

    expect(control!.detected).toBeNull();
    const [slow] = control!.injected_faults;
    expect(control!.injected_faults).toHaveLength(1);
    expect(slow).toMatchObject({
      source: 'variant',
      site: { tool: 'get_weather', call: 1, turn: 3 },
      step_type: 'tool_call',
      fault: { delay_ms: 50 },
    });
    expect(control!.steps[slow!.step_index!]).toMatchObject({ type: 'tool_call', tool: 'get_weather', turn: 3 });
  });

  it("lists a conversation's own turn faults as the script's, with their turn", async () => {
    const base = scenario('conv-weather-control');
    const own = Scenario.parse({
      ...base,
      id: 'conv-weather-own-fault',
      variants: [],
      turns: base.turns!.map((t, i) => (i === 2 ? { ...t, tools: { get_weather: [{ delay_ms: 20 }] } } : t)),
    });
    const { trace } = await runWithFailureDetection(subjects.get('weather-chat')!, own, { model: server });
    expect(trace.injected_faults).toMatchObject([
      { source: 'script', site: { tool: 'get_weather', call: 1, turn: 3 }, step_type: 'tool_call' },
    ]);
    expect(trace.steps[trace.injected_faults[0]!.step_index!]).toMatchObject({ type: 'tool_call', turn: 3 });
  });

  it('refuses a fault without its turn on a conversation, with a turn on a single-shot scenario, and past the last turn', () => {
    const conversation = scenario('conv-weather-control');
    const noTurn = placeFaults(conversation, [{ model_call: 1, fault: { status: 503 } }], 'variant').problems;
    expect(noTurn).toEqual([
      {
        fault: 0,
        key: 'turn',
        message: expect.stringMatching(
          /the baseline is a conversation \(3 turns\): give the fault its turn \(turn: 1 to 3\)/,
        ),
      },
    ]);
    const past = placeFaults(conversation, [{ tool: 'get_weather', call: 1, turn: 4, error: 'x' }], 'variant');
    expect(past.problems[0]!.message).toMatch(/turn 4 is never reached: the conversation has 3 turns/);
    const beyond = placeFaults(conversation, [{ model_call: 4, turn: 1, fault: { delay_ms: 1 } }], 'variant');
    expect(beyond.problems[0]!.message).toMatch(
      /model_call 4 is never made: the baseline's script for turn 1 answers 2/,
    );
    const single = scenario('mcp-client-forecast-control');
    const withTurn = placeFaults(single, [{ model_call: 1, turn: 1, fault: { status: 503 } }], 'variant').problems;
    expect(withTurn[0]).toMatchObject({ fault: 0, key: 'turn' });
    expect(withTurn[0]!.message).toMatch(/the baseline is single-shot: remove turn/);
  });
});
