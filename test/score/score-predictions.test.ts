// The injected-fault scores of `lab score` (docs/analyzers.md, "Scores") by their definitions, on
// labels written out here so each case's expected figure is plain; and the reading of labels
// files of version 1. The labels of real captures are scored in test/dataset/.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetLabel, DatasetPrediction, type InjectedFaultLabel } from '../../src/contracts/dataset-label.ts';
import { DatasetInputError } from '../../src/errors/dataset-input-error.ts';
import { readLines } from '../../src/score/read-lines.ts';
import { scorePredictions } from '../../src/score/score-predictions.ts';

const id = (n: number) => n.toString(16).padStart(32, '0');
const span = (n: number) => n.toString(16).padStart(16, '0');

function fault(step: number | null, agent: string): InjectedFaultLabel {
  return {
    source: 'variant',
    site: { model_call: 1 },
    step_index: step,
    span_id: step === null ? null : span(step),
    step_kind: step === null ? null : 'llm',
    agent,
    turn: null,
    fault: { status: 429 },
  };
}

function label(n: number, kind: DatasetLabel['kind'], step: number | null, faults: InjectedFaultLabel[]): DatasetLabel {
  return {
    schema_version: 2,
    trace_id: id(n),
    subject: 'desk',
    kind,
    location: kind === null ? null : { span_id: span(step ?? 99), step_index: step },
    agent: kind === null ? null : 'Billing',
    trail_category: null,
    mast_mode: null,
    mast_category: null,
    evidence: null,
    injected_faults: faults,
  };
}

// 1: one fault at step 0 (Triage), the detector at step 4; 2: two faults, steps 1 (Triage) and 3
// (Billing); 3: a pass that survived a fault; 4: a failure with nothing injected; 5: a fault whose
// call left no step.
const gold = [
  label(1, 'exception', 4, [fault(0, 'Triage')]),
  label(2, 'timeout', 3, [fault(1, 'Triage'), fault(3, 'Billing')]),
  label(3, null, null, [fault(2, 'Triage')]),
  label(4, 'hallucination_flag', 2, []),
  label(5, 'exception', null, [fault(null, 'desk')]),
];

const predict = (
  n: number,
  kind: DatasetLabel['kind'],
  step: number | null,
  agent: string | null,
): DatasetPrediction => ({
  trace_id: id(n),
  kind,
  location: { step_index: step },
  agent,
});

describe('lab score against injected faults', () => {
  it('scores only gold failures with a fault on a step, and counts a hit on any of its faults', () => {
    const report = scorePredictions(gold, [
      predict(1, 'exception', 0, 'Triage'), // the fault: hit, though the detector said step 4
      predict(2, 'timeout', 3, 'Triage'), // the second fault's step, the first fault's agent: both hits
      predict(3, null, null, null), // a pass: not scored
      predict(4, 'hallucination_flag', 2, 'Billing'), // nothing injected: not scored
      predict(5, 'exception', null, 'desk'), // no step to name: not scored
    ]);
    expect(report.overall.injected_step_attribution).toEqual({ value: 1, count: 2 });
    expect(report.overall.injected_agent_attribution).toEqual({ value: 1, count: 2 });
    // The detector's location is another ground truth: trace 1's fault (step 0) is not where it located the failure (4).
    expect(report.overall.step_attribution).toEqual({ value: 3 / 4, count: 4 });
  });

  it('misses a wrong step, a wrong agent and a predicted pass, and leaves out what a prediction does not say', () => {
    const wrong = scorePredictions(gold, [
      predict(1, 'exception', 4, 'Billing'), // the detector's answer: neither the fault's step nor its agent
      predict(2, null, 3, 'Billing'), // a predicted pass names nothing, whatever its location says
    ]);
    expect(wrong.overall.injected_step_attribution).toEqual({ value: 0, count: 2 });
    expect(wrong.overall.injected_agent_attribution).toEqual({ value: 0, count: 2 });
    const silent = scorePredictions(gold, [
      { trace_id: id(1), kind: 'exception' },
      { trace_id: id(2), agent: 'Billing' },
    ]);
    expect(silent.overall.injected_step_attribution).toEqual({ value: null, count: 0 });
    expect(silent.overall.injected_agent_attribution).toEqual({ value: 1, count: 1 });
    // By subject and by kind as every score: the timeout trace alone.
    expect(silent.by_kind.timeout!.injected_agent_attribution).toEqual({ value: 1, count: 1 });
  });
});

describe('reading labels', () => {
  it('reads a version 1 line (no schema_version) as version 2 with no injected faults, and names a bad field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'labels-v1-'));
    const file = path.join(dir, 'labels.ndjson');
    const { schema_version: _v, injected_faults: _f, ...v1 } = gold[0]!;
    await writeFile(file, `${JSON.stringify(v1)}\n${JSON.stringify(gold[1])}\n`);
    const read = await readLines(file, DatasetLabel);
    expect(read).toEqual([{ ...gold[0], injected_faults: [] }, gold[1]]);
    expect(Object.keys(read[0]!)).toEqual(Object.keys(gold[0]!));

    const bad = { ...gold[1], injected_faults: [{ ...fault(1, 'Triage'), step_kind: 'chain' }] };
    await writeFile(file, `${JSON.stringify(bad)}\n`);
    const error = await readLines(file, DatasetLabel).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetInputError);
    expect((error as Error).message).toContain(`${file}:1: injected_faults.0.step_kind`);
    // A version 1 line that carries injected_faults is neither version: named as a key version 1 does not know.
    await writeFile(file, `${JSON.stringify({ ...v1, injected_faults: [] })}\n`);
    await expect(readLines(file, DatasetLabel)).rejects.toThrow(
      /:1: \(the line\): Unrecognized key: "injected_faults"/,
    );
  });
});
