import { describe, expect, it } from 'vitest';
import type { FailureEvent } from '../../src/contracts/failure-event.ts';
import { FailureTrace } from '../../src/contracts/failure-trace.ts';
import { FallbackRecord } from '../../src/contracts/fallback-record.ts';
import { RecoveryTrace } from '../../src/contracts/recovery-trace.ts';
import { failureTypeOf } from '../../src/classify/failure-type.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

/** A three-level cascade: a tool timeout, the agent step it failed, the output validation after it. */
function cascade() {
  return {
    schema_version: 1,
    trace_id: 'ft-1',
    trace_type: 'failure',
    started_at: t(0),
    ended_at: t(3),
    primary_failure_id: 'f-tool',
    primary_ref: 'execute_tool get_weather',
    primary_type: 'timeout',
    primary_message: 'tool timed out',
    primary_timestamp: t(1),
    cascade: [
      {
        failure_id: 'f-tool',
        parent_failure_id: null,
        ref: 'execute_tool get_weather',
        failure_type: 'timeout',
        timestamp: t(1),
        message: 'tool timed out',
        propagation_hop: 0,
      },
      {
        failure_id: 'f-agent',
        parent_failure_id: 'f-tool',
        ref: 'invoke_agent weather-agent',
        failure_type: 'propagated',
        timestamp: t(2),
        message: null,
        propagation_hop: 1,
      },
      {
        failure_id: 'f-output',
        parent_failure_id: 'f-agent',
        ref: 'check output_schema',
        failure_type: 'propagated',
        timestamp: t(3),
        message: null,
        propagation_hop: 2,
      },
    ],
    original_trace_id: 'run-1',
    domain: null,
    component: 'weather-agent',
  };
}

const messages = (value: unknown) => FailureTrace.safeParse(value).error?.issues.map((i) => i.message) ?? [];

describe('FailureTrace: the cascade rules', () => {
  it('accepts a tree rooted at the primary with hops by level and no child before its parent', () => {
    expect(FailureTrace.safeParse(cascade()).success).toBe(true);
  });

  it('rule 1: rejects a second root, a missing parent, a root that is not the primary, and a cycle', () => {
    const twoRoots = cascade();
    twoRoots.cascade[2]!.parent_failure_id = null;
    expect(messages(twoRoots).join()).toContain('cascade rule 1 (tree): exactly one entry');
    const orphan = cascade();
    orphan.cascade[2]!.parent_failure_id = 'f-nowhere';
    expect(messages(orphan)).toContain('cascade rule 1 (tree): parent_failure_id f-nowhere is not in the cascade');
    const wrongRoot = cascade();
    wrongRoot.primary_failure_id = 'f-agent';
    expect(messages(wrongRoot).join()).toContain('cascade rule 1 (tree)');
    const cycle = cascade();
    cycle.cascade[1]!.parent_failure_id = 'f-output';
    expect(messages(cycle).join()).toMatch(/cascade rule 1 \(tree\): failure f-(agent|output) is in a cycle/);
  });

  it("rule 2: rejects a hop that is not its parent's plus one, and a primary not at hop 0", () => {
    const skipped = cascade();
    skipped.cascade[2]!.propagation_hop = 3;
    expect(messages(skipped)).toEqual(['cascade rule 2 (hop): f-output has propagation_hop 3, but its parent has 1']);
    const primary = cascade();
    primary.cascade[0]!.propagation_hop = 1;
    expect(messages(primary).join()).toContain('cascade rule 2 (hop): the primary has propagation_hop 1, not 0');
  });

  it('rule 3: rejects a child earlier than its parent', () => {
    const early = cascade();
    early.cascade[2]!.timestamp = t(0);
    expect(messages(early)).toEqual([
      `cascade rule 3 (temporal): f-output (${t(0)}) is earlier than its parent (${t(2)})`,
    ]);
  });

  it('rule 3 compares a child with its parent, not with the primary: later than the primary but earlier than its parent is refused', () => {
    const between = cascade();
    between.cascade[1]!.timestamp = t(3);
    between.cascade[2]!.timestamp = t(2);
    expect(messages(between)).toEqual([
      `cascade rule 3 (temporal): f-output (${t(2)}) is earlier than its parent (${t(3)})`,
    ]);
  });

  it('is strict: unknown keys are refused in the trace and in an entry', () => {
    expect(FailureTrace.safeParse({ ...cascade(), severity: 'high' }).success).toBe(false);
    const extra = cascade();
    (extra.cascade[0] as Record<string, unknown>).note = 'x';
    expect(FailureTrace.safeParse(extra).success).toBe(false);
  });
});

describe('RecoveryTrace and FallbackRecord', () => {
  const action = (sequence: number, action_type: string) => ({
    action_id: `a${sequence}`,
    sequence,
    timestamp: t(sequence),
    action_type,
    target_ref: 'get_weather',
    outcome: 'failure',
    duration_ms: 5,
    metadata: { attempt: sequence },
  });
  const recovery = {
    schema_version: 1,
    trace_id: 'rt-1',
    trace_type: 'recovery',
    started_at: t(0),
    ended_at: t(3),
    trigger_type: 'failure',
    trigger_ref: 'f-tool',
    original_trace_id: 'run-1',
    actions: [action(1, 'retry'), action(2, 'fallback')],
    final_outcome: 'degraded',
    stabilization_ref: null,
  };

  it('accepts ordered actions and rejects them out of sequence', () => {
    expect(RecoveryTrace.safeParse(recovery).success).toBe(true);
    const swapped = { ...recovery, actions: [action(2, 'fallback'), action(1, 'retry')] };
    expect(RecoveryTrace.safeParse(swapped).error?.issues[0]?.message).toBe(
      'ordering rule: action a1 has sequence 1, not after 2',
    );
  });

  it('fallback records are strict and typed', () => {
    const fallback = {
      schema_version: 1,
      record_type: 'fallback',
      fallback_id: 'fb-1',
      trace_id: 'run-1',
      timestamp: t(2),
      trigger_type: 'failure',
      trigger_ref: 'f-tool',
      primary_path_ref: 'get_weather',
      fallback_path_id: 'weather-cache',
      fallback_path_name: 'cache',
      fallback_type: 'cache',
      outcome_ref: null,
      outcome_status: 'partial',
      confidence_impact: 'reduced',
    };
    expect(FallbackRecord.safeParse(fallback).success).toBe(true);
    expect(FallbackRecord.safeParse({ ...fallback, fallback_type: 'magic' }).success).toBe(false);
    expect(FallbackRecord.safeParse({ ...fallback, extra: 1 }).success).toBe(false);
  });
});

describe('failureTypeOf', () => {
  it('maps the detector kinds to failure types: violations, resource for out-of-memory', () => {
    const base = {
      schema_version: 1,
      failure_id: 'x',
      trace_id: 'y',
      subject_id: 's',
      scenario_id: 'c',
      occurred_at: t(0),
      message: 'm',
      step_index: null,
      otel: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
    };
    const error = (code: string | null) => ({
      class: 'Error',
      name: 'Error',
      message: 'm',
      stack: null,
      thrown: 'error',
      code,
      status: null,
      cause: null,
    });
    const as = (e: object) => e as FailureEvent;
    expect(
      failureTypeOf(
        as({ ...base, kind: 'timeout', timeout: { source: 'deadline', deadline_ms: 1, elapsed_ms: 1 }, error: null }),
      ),
    ).toBe('timeout');
    expect(
      failureTypeOf(
        as({ ...base, kind: 'validation_error', validation: { source: 'output_schema', issues: [] }, error: null }),
      ),
    ).toBe('violation');
    expect(failureTypeOf(as({ ...base, kind: 'hallucination_flag', grounding: { flags: [] } }))).toBe('violation');
    expect(failureTypeOf(as({ ...base, kind: 'exception', error: error('ERR_WORKER_OUT_OF_MEMORY') }))).toBe(
      'resource',
    );
    expect(failureTypeOf(as({ ...base, kind: 'exception', error: error(null) }))).toBe('error');
  });
});
