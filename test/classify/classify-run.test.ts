import { describe, expect, it } from 'vitest';
import { classifyRun, HELD_CPU_MS } from '../../src/classify/classify-run.ts';
import type { ThrownVerdict } from '../../src/classify/classify-thrown.ts';
import type { RunEnd } from '../../src/classify/run-end.ts';
import type { ErrorInfo } from '../../src/contracts/common.ts';

const error = (cls = 'Error'): ErrorInfo => ({
  class: cls,
  name: cls,
  message: 'boom',
  stack: null,
  thrown: 'error',
  code: null,
  status: null,
  cause: null,
});
const end = (facts: Partial<RunEnd>): RunEnd => ({
  deadlineMs: 1000,
  elapsedMs: 10,
  cutOff: false,
  held: null,
  thrown: null,
  died: null,
  unhandled: null,
  checks: null,
  degraded: null,
  ...facts,
});
const threw: ThrownVerdict = { kind: 'exception', error: error('TypeError') };
const zod: ThrownVerdict = {
  kind: 'validation_error',
  source: 'model_output_schema',
  issues: [{ path: 'a', code: 'invalid_type', message: 'bad' }],
  error: error('ZodError'),
  where: "the model's structured output",
};
const schemaFailed = {
  schema: { passed: false as const, issues: [{ path: 'x', code: 'too_small', message: 'short' }] },
  flags: [],
};
const flagged = {
  schema: { passed: true as const },
  flags: [{ check: 'ground_truth' as const, path: 'x', claim: '1', reason: 'r', known: null, expected: '2' }],
};
const clean = { schema: { passed: true as const }, flags: [] };

describe('classifyRun: the one precedence', () => {
  it("a cut is a timeout from the deadline unless the run's own work was measured at the deadline, however late the cut came", () => {
    expect(classifyRun(end({ cutOff: true, elapsedMs: 5000 }))).toEqual({
      kind: 'timeout',
      source: 'deadline',
      error: null,
    });
    expect(classifyRun(end({ cutOff: true, held: { cpuMs: HELD_CPU_MS - 1 } }))).toMatchObject({ source: 'deadline' });
    expect(classifyRun(end({ cutOff: true, held: { cpuMs: HELD_CPU_MS } }))).toEqual({
      kind: 'timeout',
      source: 'overrun',
      error: null,
    });
  });

  it('a run back after its deadline is a timeout: an overrun that keeps its error when its own work held the thread, else from the deadline with no error', () => {
    const held = { cpuMs: HELD_CPU_MS };
    expect(classifyRun(end({ elapsedMs: 1001, checks: clean, held }))).toEqual({
      kind: 'timeout',
      source: 'overrun',
      error: null,
    });
    expect(classifyRun(end({ elapsedMs: 1001, thrown: threw, held }))).toEqual({
      kind: 'timeout',
      source: 'overrun',
      error: threw.error,
    });
    // Late only because the lab took its result late (a paused process, a busy main thread): the same label as a cut.
    expect(classifyRun(end({ elapsedMs: 1001, thrown: threw }))).toEqual({
      kind: 'timeout',
      source: 'deadline',
      error: null,
    });
    expect(classifyRun(end({ elapsedMs: 1000, checks: clean }))).toBeNull();
  });

  it('timeout beats exception beats validation_error beats hallucination_flag beats degraded', () => {
    const degraded = { verdict: threw, note: 'went on degraded' };
    expect(classifyRun(end({ cutOff: true, thrown: threw }))?.kind).toBe('timeout');
    expect(
      classifyRun(
        end({ thrown: { kind: 'timeout', source: 'request_timeout', error: error('APIConnectionTimeoutError') } }),
      ),
    ).toMatchObject({ kind: 'timeout', source: 'request_timeout' });
    expect(classifyRun(end({ thrown: threw, checks: flagged }))?.kind).toBe('exception');
    expect(classifyRun(end({ thrown: zod }))).toMatchObject({
      kind: 'validation_error',
      source: 'model_output_schema',
    });
    expect(classifyRun(end({ died: error('WorkerExit'), checks: clean }))?.kind).toBe('exception');
    expect(classifyRun(end({ unhandled: error(), checks: flagged }))?.kind).toBe('exception');
    expect(classifyRun(end({ checks: schemaFailed, degraded }))).toMatchObject({
      kind: 'validation_error',
      source: 'output_schema',
    });
    expect(classifyRun(end({ checks: flagged, degraded }))?.kind).toBe('hallucination_flag');
    expect(classifyRun(end({ checks: clean, degraded }))).toMatchObject({
      kind: 'exception',
      note: 'went on degraded',
    });
    expect(classifyRun(end({ checks: clean }))).toBeNull();
  });
});
