// The space `lab fuzz` searches over a conversation (docs/chaos.md): each site is in a turn, calls
// counted within it, and a trial's fault lands in that turn and is listed with it. In-process: the
// scripted server and the subject run in the test's process.
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalFaults, faultLabel, faultSetArbitrary, fuzzSpace } from '../../src/chaos/fuzz-space.ts';
import { faultedScenario, placeFaults } from '../../src/chaos/place-faults.ts';
import type { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

let server: ScriptedModelServer;
let subject: Subject;
let baseline: Scenario;

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  const subjects = (await (await SubjectCatalog.open(path.join(ROOT, 'subjects'))).load(['weather-chat'])) as Map<
    string,
    Subject
  >;
  subject = subjects.get('weather-chat')!;
  const dir = await mkdtemp(path.join(tmpdir(), 'fuzz-space-'));
  await cp(path.join(ROOT, 'scenarios/conv-weather-control.json'), path.join(dir, 'conv-weather-control.json'));
  baseline = (await loadScenarios(dir, subjects)).find((l) => l.scenario.id === 'conv-weather-control')!.scenario;
});
afterAll(() => server?.close());

describe('lab fuzz over a conversation', () => {
  it('searches sites in turns, counted within each, and a trial lists its fault with its turn and step', async () => {
    const { trace } = await runWithFailureDetection(subject, baseline, { model: server });
    expect(trace.detected).toBeNull();
    const space = fuzzSpace(baseline, trace);
    // Each of the three turns: two model calls and one get_weather call, each counted from 1.
    expect(space.sites.map((s) => s.label)).toEqual([
      'turn 1 model_call 1',
      'turn 1 model_call 2',
      'turn 2 model_call 1',
      'turn 2 model_call 2',
      'turn 3 model_call 1',
      'turn 3 model_call 2',
      'turn 1 get_weather call 1',
      'turn 2 get_weather call 1',
      'turn 3 get_weather call 1',
    ]);
    // Every value of every site places on the conversation as it is.
    for (const site of space.sites)
      for (const kind of site.kinds)
        for (const value of kind.values) expect(placeFaults(baseline, [value], 'fuzz').problems).toEqual([]);
    // The sets fuzz draws place too, and their canonical order is by turn first.
    const sets = fc.sample(faultSetArbitrary(baseline, space, 3), { numRuns: 20, seed: 1 });
    for (const set of sets) {
      const turns = canonicalFaults(set).map((f) => (f as { turn?: number }).turn!);
      expect(turns).toEqual([...turns].sort((a, b) => a - b));
    }

    const fault = space.sites
      .find((s) => s.label === 'turn 2 model_call 1')!
      .kinds.find((k) => k.kind === 'status_400')!.values[0]!;
    expect(faultLabel(fault)).toBe('turn 2 model_call 1: status 400');
    const trial = faultedScenario(baseline, [fault], 'fuzz', {
      id: 'conv-weather-control~fuzz',
      description: 'a fuzz trial',
      expected: 'exception',
    });
    const run = await runWithFailureDetection(subject, trial, { model: server });
    expect(run.trace.detected).toBe('exception');
    expect(run.trace.failure!.location.turn).toBe(2);
    expect(run.trace.injected_faults).toMatchObject([
      { source: 'fuzz', site: { model_call: 1, turn: 2 }, step_type: 'model_call', fault: { status: 400 } },
    ]);
    expect(run.trace.steps[run.trace.injected_faults[0]!.step_index!]).toMatchObject({
      type: 'model_call',
      turn: 2,
      http_status: 400,
    });
  });
});
