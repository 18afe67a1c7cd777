import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureTrace } from '../../src/contracts/failure-trace.ts';
import { FallbackRecord } from '../../src/contracts/fallback-record.ts';
import { recordTypeOf } from '../../src/contracts/lab-record.ts';
import { RecoveryTrace } from '../../src/contracts/recovery-trace.ts';
import type { Scenario } from '../../src/contracts/scenario.ts';
import { type DetectionResult, runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { cascadeDepth, recoveryOutcome } from '../../src/derive/derive-run-records.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { cosmosConfigFromEnv } from '../../src/store/cosmos-config.ts';
import { CosmosStore } from '../../src/store/cosmos-store.ts';
import { FilesStore } from '../../src/store/files-store.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { recordsOfFailure } from '../../src/store/related-records.ts';
import type { TraceStore } from '../../src/store/trace-store.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { normalizeRecord } from '../helpers/normalize.ts';
import { ROOT } from '../helpers/run-cli.ts';

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let scenarios: Map<string, Scenario>;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = (await loadSubjects(path.join(ROOT, 'subjects'))) as Map<string, Subject>;
  scenarios = new Map(
    (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]),
  );
});
afterAll(() => server.close());

const run = (
  id: string,
  options: { recordRecovery?: boolean; isolation?: 'inline' | 'worker' } = {},
): Promise<DetectionResult> => {
  const scenario = scenarios.get(id)!;
  return runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server, ...options });
};

const RECOVERY_SCENARIOS = [
  'recovery-retry-then-success',
  'recovery-retries-exhausted-cache',
  'recovery-default-fallback-wrong',
  'recovery-compensation-after-partial-write',
  'recovery-circuit-breaker-heals',
  'recovery-escalates-to-human',
  'recovery-three-level-cascade',
  'recovery-two-independent-failures',
];

describe('recovery helpers', () => {
  it.each(RECOVERY_SCENARIOS)(
    '%s: the subject returns or throws exactly the same with recording on and off',
    async (id) => {
      const on = await run(id);
      const off = await run(id, { recordRecovery: false });
      expect(off.trace.output).toEqual(on.trace.output);
      const thrown = (r: DetectionResult) =>
        r.trace.output === null && r.event && 'error' in r.event ? r.event.error : null;
      expect(normalizeRecord(thrown(off))).toEqual(normalizeRecord(thrown(on)));
      // Without recording the lab sees no recovery: no recovery steps, and nothing derived from them.
      expect(off.trace.steps.some((s) => s.type === 'recovery')).toBe(false);
      expect(off.related.recovery_traces).toEqual([]);
      // The same operations ran: the same model and tool calls, in the same order.
      const calls = (r: DetectionResult) =>
        r.trace.steps.filter((s) => s.type === 'model_call' || s.type === 'tool_call').map((s) => s.name);
      expect(calls(off)).toEqual(calls(on));
    },
  );

  it('relays recovery steps from a worker thread like inline runs', async () => {
    const inline = await run('recovery-retries-exhausted-cache');
    const worker = await run('recovery-retries-exhausted-cache', { isolation: 'worker' });
    expect(worker.trace.run.isolation).toBe('worker');
    const shape = (r: DetectionResult) =>
      normalizeRecord(r.trace.steps.map((s) => ({ ...s, error: s.error && { ...s.error, stack: null } })));
    expect(shape(worker)).toEqual(shape(inline));
    expect(worker.trace.detected).toBe('exception');
    expect(recoveryOutcome(worker.related)).toBe('degraded');
  });
});

describe('derived records of the recovery scenarios', () => {
  const expectValid = (r: DetectionResult) => {
    for (const t of r.related.failure_traces) FailureTrace.parse(t);
    for (const t of r.related.recovery_traces) RecoveryTrace.parse(t);
    for (const f of r.related.fallback_records) FallbackRecord.parse(f);
  };

  it('retry then success: the run passes, its failure trace still shows the 503, its recovery ends recovered', async () => {
    const r = await run('recovery-retry-then-success');
    expectValid(r);
    expect(r.trace.detected).toBeNull();
    const [failure] = r.related.failure_traces;
    expect(r.related.failure_traces).toHaveLength(1);
    expect(failure).toMatchObject({
      primary_type: 'resource',
      component: 'model:lab-model',
      original_trace_id: r.trace.trace_id,
      domain: 'forecast-agent',
    });
    const [recovery] = r.related.recovery_traces;
    expect(recovery).toMatchObject({
      trigger_type: 'failure',
      trigger_ref: failure!.primary_failure_id,
      final_outcome: 'recovered',
      original_trace_id: r.trace.trace_id,
    });
    expect(recovery!.actions.map((a) => [a.sequence, a.action_type, a.outcome])).toEqual([[1, 'retry', 'success']]);
    expect(recovery!.actions[0]!.metadata).toMatchObject({ attempt: 2, backoff_ms: 10 });
  });

  it('retries exhausted then cache: degraded, keeps its kind (exception), fallback with reduced confidence', async () => {
    const r = await run('recovery-retries-exhausted-cache');
    expectValid(r);
    expect(r.trace.detected).toBe('exception');
    expect(r.event!.message).toContain('went on degraded');
    expect(r.trace.output).not.toBeNull();
    const [recovery] = r.related.recovery_traces;
    expect(recovery!.actions.map((a) => [a.action_type, a.outcome])).toEqual([
      ['retry', 'failure'],
      ['retry', 'failure'],
      ['fallback', 'success'],
    ]);
    expect(recovery!.final_outcome).toBe('degraded');
    const [fallback] = r.related.fallback_records;
    expect(fallback).toMatchObject({
      fallback_type: 'cache',
      fallback_path_name: 'cache',
      confidence_impact: 'reduced',
      outcome_status: 'success',
      trigger_ref: recovery!.trigger_ref,
      primary_path_ref: 'model:lab-model',
      trace_id: r.trace.trace_id,
    });
    expect(recovery!.actions[2]!.metadata.fallback_id).toBe(fallback!.fallback_id);
    // The cascade ends in the run's own failure.
    const cascade = r.related.failure_traces[0]!.cascade;
    expect(cascade.at(-1)!.failure_id).toBe(r.trace.failure_id);
  });

  it('default fallback that is wrong: a hallucination after the fallback, cascade tool → agent → check', async () => {
    const r = await run('recovery-default-fallback-wrong');
    expectValid(r);
    expect(r.trace.detected).toBe('hallucination_flag');
    const [failure] = r.related.failure_traces;
    expect(failure!.cascade.map((e) => [e.failure_type, e.propagation_hop])).toEqual([
      ['error', 0],
      ['propagated', 1],
      ['propagated', 2],
    ]);
    expect(failure!.component).toBe('tool:get_forecast');
    expect(r.related.recovery_traces[0]!.final_outcome).toBe('failed');
    expect(r.related.fallback_records[0]).toMatchObject({ fallback_type: 'default', confidence_impact: 'reduced' });
  });

  it('compensation after a partial write: the rollback succeeded, the request failed with the charge error', async () => {
    const r = await run('recovery-compensation-after-partial-write');
    expectValid(r);
    expect(r.trace.detected).toBe('exception');
    const tools = r.trace.steps.filter((s) => s.type === 'tool_call').map((s) => [s.name, s.status]);
    expect(tools).toEqual([
      ['execute_tool reserve_seat', 'ok'],
      ['execute_tool charge_card', 'error'],
      ['execute_tool release_seat', 'ok'],
    ]);
    const [recovery] = r.related.recovery_traces;
    expect(recovery!.actions.map((a) => [a.action_type, a.target_ref, a.outcome])).toEqual([
      ['compensation', 'reserve_seat', 'success'],
    ]);
    expect(recovery!.final_outcome).toBe('failed');
    expect(r.related.failure_traces[0]!.primary_message).toBe('card declined');
    expect(cascadeDepth(r.related)).toBe(2);
  });

  it('circuit breaker: fails fast while open, heals with a probe, and the run recovers', async () => {
    const r = await run('recovery-circuit-breaker-heals');
    expectValid(r);
    expect(r.trace.detected).toBeNull();
    const actions = r.related.recovery_traces[0]!.actions;
    expect(actions.map((a) => [a.action_type, a.outcome])).toEqual([
      ['retry', 'failure'],
      ['retry', 'failure'],
      ['retry', 'success'],
      ['self_heal', 'success'],
    ]);
    // The third attempt never reached the tool: the breaker was open.
    expect(
      r.trace.steps.find((s) => s.type === 'recovery' && s.index === actions[1]!.metadata.step_index)?.error?.name,
    ).toBe('CircuitOpenError');
    expect(r.trace.steps.filter((s) => s.type === 'tool_call')).toHaveLength(3);
    expect(r.related.recovery_traces[0]!.final_outcome).toBe('recovered');
  });

  it('escalation to human review: degraded, keeps validation_error, fallback human_review with unknown confidence', async () => {
    const r = await run('recovery-escalates-to-human');
    expectValid(r);
    expect(r.trace.detected).toBe('validation_error');
    const [recovery] = r.related.recovery_traces;
    expect(r.related.recovery_traces).toHaveLength(1);
    expect(recovery!.actions.map((a) => a.action_type)).toEqual(['fallback', 'escalate']);
    expect(recovery!.final_outcome).toBe('degraded');
    expect(r.related.failure_traces[0]!.primary_type).toBe('violation');
    expect(r.related.fallback_records[0]).toMatchObject({
      fallback_type: 'human_review',
      confidence_impact: 'unknown',
    });
  });

  it('three-level cascade: tool timeout, then the agent, then output validation', async () => {
    const r = await run('recovery-three-level-cascade');
    expectValid(r);
    expect(r.trace.detected).toBe('validation_error');
    const [failure] = r.related.failure_traces;
    expect(r.related.failure_traces).toHaveLength(1);
    expect(failure!.primary_type).toBe('timeout');
    expect(failure!.component).toBe('tool:get_forecast');
    expect(failure!.cascade.map((e) => [e.failure_type, e.propagation_hop, e.parent_failure_id === null])).toEqual([
      ['timeout', 0, true],
      ['propagated', 1, false],
      ['propagated', 2, false],
    ]);
    expect(failure!.cascade[1]!.ref).toBe(r.trace.otel.span_id);
    expect(failure!.cascade[2]!.failure_id).toBe(r.trace.failure_id);
    expect(cascadeDepth(r.related)).toBe(3);
  });

  it('two independent failures: two failure traces, one recovered, one the hallucination', async () => {
    const r = await run('recovery-two-independent-failures');
    expectValid(r);
    expect(r.trace.detected).toBe('hallucination_flag');
    expect(r.related.failure_traces).toHaveLength(2);
    const [toolError, hallucination] = r.related.failure_traces;
    expect(toolError!.cascade).toHaveLength(1);
    expect(toolError!.component).toBe('tool:get_forecast');
    expect(hallucination!.cascade.map((e) => e.failure_id)).toContain(r.trace.failure_id);
    expect(r.related.recovery_traces[0]).toMatchObject({
      trigger_ref: toolError!.primary_failure_id,
      final_outcome: 'recovered',
    });
  });
});

describe('storing the three record types', () => {
  let cosmos: Awaited<ReturnType<typeof startCosmos>>;
  beforeAll(async () => {
    cosmos = await startCosmos();
  });
  afterAll(() => cosmos.close());
  const stores: [string, () => Promise<TraceStore>][] = [
    ['memory', async () => new MemoryStore()],
    ['files', async () => FilesStore.open(await mkdtemp(path.join(tmpdir(), 'related-')))],
    ['cosmos', async () => CosmosStore.open(cosmosConfigFromEnv(cosmosEnv(cosmos.endpoint)))],
  ];
  it.each(stores)('%s: stored beside the run, told apart by type, found by failure_id', async (_name, open) => {
    const store = await open();
    try {
      const r = await run('recovery-retries-exhausted-cache');
      const all = [r.trace, ...r.related.failure_traces, ...r.related.recovery_traces, ...r.related.fallback_records];
      expect((await store.putMany(all)).every((o) => o.stored)).toBe(true);
      expect((await store.query()).records).toEqual([r.trace]);
      expect((await store.query({ record_type: 'failure_trace' })).records).toEqual(r.related.failure_traces);
      expect((await store.query({ record_type: 'recovery_trace' })).records).toEqual(r.related.recovery_traces);
      expect((await store.query({ record_type: 'fallback' })).records).toEqual(r.related.fallback_records);
      expect((await store.query({ record_type: 'all' })).records).toHaveLength(all.length);
      // By the run's failure_id: the run, its failure trace, and the recovery and fallback it triggered at the primary.
      const found = await recordsOfFailure(store, r.trace.failure_id!);
      expect(found.map(recordTypeOf).sort()).toEqual(['failure_trace', 'fallback', 'recovery_trace', 'trace_record']);
      // By the primary: the failure trace, the recovery trace and the fallback that name it.
      const primary = r.related.failure_traces[0]!.primary_failure_id;
      expect((await store.query({ record_type: 'all', failure_id: primary })).records.map(recordTypeOf).sort()).toEqual(
        ['failure_trace', 'fallback', 'recovery_trace'],
      );
      expect(await store.get(r.related.recovery_traces[0]!.trace_id)).toEqual(r.related.recovery_traces[0]);
      // A record that breaks a cascade rule is refused, naming the rule.
      const broken = {
        ...r.related.failure_traces[0]!,
        cascade: r.related.failure_traces[0]!.cascade.map((e) => ({ ...e, propagation_hop: 0 })),
      };
      const [outcome] = await store.putMany([broken]);
      expect(outcome).toMatchObject({ stored: false });
      expect(outcome!.stored === false && outcome!.error).toContain('cascade rule 2 (hop)');
    } finally {
      await store.close();
    }
  });
});
