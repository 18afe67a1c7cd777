import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { type LoadedScenario, loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let scenarios: LoadedScenario[];
beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  scenarios = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
});
afterAll(async () => {
  await server.close();
});

async function trace(id: string): Promise<TraceRecord> {
  const { scenario } = scenarios.find((l) => l.scenario.id === id)!;
  return (await runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server })).trace;
}
const stepOf = (t: TraceRecord) =>
  t.failure!.location.step_index === null ? null : t.steps[t.failure!.location.step_index]!;

describe('where a failure first shows', () => {
  it('a tool failure the subject compensated and then rethrew: the tool call, not the run', async () => {
    const t = await trace('recovery-compensation-after-partial-write');
    expect(stepOf(t)).toMatchObject({ type: 'tool_call', tool: 'charge_card', status: 'error' });
    expect(t.failure!.location.span_id).toBe(stepOf(t)!.span_id);
  });

  it('a hallucination: the model call whose reply became the output', async () => {
    const t = await trace('qa-cites-missing-doc');
    expect(stepOf(t)).toMatchObject({ type: 'model_call', status: 'ok' });
    expect(t.failure!.taxonomy).toEqual({
      version: 'lab-taxonomy/2',
      trail: { path: ['Reasoning Errors', 'Hallucinations', 'Language-only'] },
      mast: null,
    });
  });

  it('a failure recovered from does not count: the first failure the run did not recover from does', async () => {
    const t = await trace('recovery-two-independent-failures');
    expect(t.failure!.kind).toBe('hallucination_flag');
    expect(stepOf(t)?.type).toBe('model_call');
    expect(t.steps.some((s) => s.type === 'tool_call' && s.status === 'error')).toBe(true);
  });

  it('resource abuse (a turn limit) is located at its last call, with its TRAIL and MAST labels', async () => {
    const t = await trace('weather-loop-never-ends');
    const calls = t.steps.filter((s) => s.type === 'model_call' || s.type === 'tool_call');
    expect(t.failure!.location.step_index).toBe(calls.at(-1)!.index);
    expect(t.failure!.taxonomy).toMatchObject({
      trail: { path: ['Planning and Coordination Errors', 'Context Management', 'Resource Abuse'] },
      mast: { id: '1.5' },
    });
  });

  it('a failure no step shows (the subject threw on its own): the run span, and the subject as the agent', async () => {
    const t = await trace('hostile-throws-string');
    expect(t.failure!.location).toEqual({
      step_index: null,
      span_id: t.otel.span_id,
      agent: 'hostile-agent',
      turn: null,
    });
  });
});
