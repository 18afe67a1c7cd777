// A small, fixed set of runs and failure records for the report's unit and golden tests: every
// id and time is fixed, so the report written from them is the same file on every machine. Two
// builds: b1 (seven runs: two passes, an exception after retries with a cascade, a validation
// error, a hallucination, a timeout, and a mismatch) and b2 (one changed kind, one scenario
// removed, one added).
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { TraceStep } from '../../src/contracts/trace-step.ts';
import { deriveRunRecords } from '../../src/derive/derive-run-records.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';

/** A fixed UUID per number and kind of id. */
export const uuid = (n: number, kind = 0) =>
  `00000000-0000-4${String(kind).padStart(3, '0')}-8000-${String(n).padStart(12, '0')}`;
const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');
const at = (base: string, ms: number) => new Date(Date.parse(base) + ms).toISOString();
const preview = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return {
    type: (typeof value === 'string' ? 'string' : Array.isArray(value) ? 'array' : 'object') as
      | 'string'
      | 'object'
      | 'array',
    text,
    bytes: Buffer.byteLength(text),
    truncated: false,
    sha256: null,
  };
};
const error = (
  cls: string,
  message: string,
  extra: Partial<{ code: string; status: number; cause: { class: string; message: string } }> = {},
) => ({
  class: cls,
  name: cls === 'RateLimitError' ? 'Error' : cls,
  message,
  stack: `${cls}: ${message}\n    at callModel (file:///lab/subjects/agent.ts:10:5)\n    at run (file:///lab/subjects/agent.ts:20:3)`,
  thrown: 'error' as const,
  code: extra.code ?? null,
  status: extra.status ?? null,
  cause: extra.cause ?? null,
});

interface RunSpec {
  n: number;
  build: string;
  scenario: string;
  subject: string;
  expected: TraceRecord['expected'];
  detected: TraceRecord['detected'];
  start: string;
  duration: number;
  steps: (base: { start: string; span: (i: number) => string }) => TraceStep[];
  failure?: (ids: {
    failureId: string;
    traceId: string;
    start: string;
    otel: { trace_id: string; span_id: string };
  }) => Record<string, unknown>;
  output?: unknown;
}

function run(spec: RunSpec): TraceRecord {
  const traceId = uuid(spec.n, 1);
  const failureId = spec.detected ? uuid(spec.n, 2) : null;
  const otel = { trace_id: hex(spec.n, 32), span_id: hex(spec.n * 1000, 16) };
  const span = (i: number) => hex(spec.n * 1000 + i + 1, 16);
  const base = {
    schema_version: 3 as const,
    failure_id: failureId,
    trace_id: traceId,
    subject_id: spec.subject,
    scenario_id: spec.scenario,
    occurred_at: at(spec.start, spec.duration),
    otel,
  };
  return TraceRecord.parse({
    schema_version: 4,
    trace_id: traceId,
    build_id: spec.build,
    attempt_id: null,
    subject_id: spec.subject,
    scenario_id: spec.scenario,
    expected: spec.expected,
    detected: spec.detected,
    failure_id: failureId,
    failure:
      spec.failure && failureId ? { ...base, ...spec.failure({ failureId, traceId, start: spec.start, otel }) } : null,
    run: { mode: 'scripted', isolation: 'inline', deadline_ms: 5000, repeat_index: 0 },
    model: { name: 'lab-model' },
    started_at: spec.start,
    ended_at: at(spec.start, spec.duration),
    duration_ms: spec.duration,
    input: preview({ question: `input of ${spec.scenario}` }),
    output: spec.output === undefined ? null : preview(spec.output),
    steps: spec.steps({ start: spec.start, span }),
    injected_faults: [],
    otel,
    replay: null,
  });
}

const stepBase = (
  index: number,
  name: string,
  start: string,
  from: number,
  ms: number | null,
  status: 'ok' | 'error' | 'aborted' | 'unfinished',
  span: string | null,
) => ({
  index,
  name,
  started_at: at(start, from),
  ended_at: ms === null ? null : at(start, from + ms),
  duration_ms: ms,
  status,
  error: null,
  span_id: span,
  agent: null,
  turn: null,
});
const modelCall = (
  index: number,
  start: string,
  from: number,
  ms: number,
  span: string,
  extra: Record<string, unknown> = {},
) => ({
  ...stepBase(index, 'chat lab-model', start, from, ms, 'ok', span),
  type: 'model_call' as const,
  api: 'chat.completions' as const,
  model: 'lab-model',
  stream: false,
  request: preview({
    model: 'lab-model',
    messages: [{ role: 'user', content: 'a question </script><b>not markup</b>' }],
  }),
  http_status: 200,
  response: preview({ choices: [{ message: { content: 'an answer' } }] }),
  finish_reason: 'stop',
  usage: { input_tokens: 12, output_tokens: 8 },
  tool_calls: [],
  ...extra,
});
const check = (
  index: number,
  start: string,
  from: number,
  name: string,
  kind: 'output_schema' | 'grounding',
  passed: boolean,
  detail: string | null = null,
) => ({
  ...stepBase(index, `check ${name}`, start, from, 0, passed ? 'ok' : 'error', null),
  type: 'check' as const,
  check: kind,
  passed,
  detail,
});
const location = (step: number | null, span: string, agent: string) => ({
  step_index: step,
  span_id: span,
  agent,
  turn: null,
});
const taxonomy = (trail: string[] | null) => ({
  version: 'lab-taxonomy/1',
  trail: trail ? { path: trail } : null,
  mast: null,
});

/** The runs of build b1 and b2. */
export function fixtureRuns(): TraceRecord[] {
  const b1 = '2026-03-02T10:00:00.000Z';
  const b2 = '2026-03-03T10:00:00.000Z';
  const pass = (n: number, build: string, start: string, scenario = 'calc-correct') =>
    run({
      n,
      build,
      scenario,
      subject: 'calculator-agent',
      expected: null,
      detected: null,
      start,
      duration: 42.25,
      output: { result: 56 },
      steps: ({ start: s, span }) => [
        modelCall(0, s, 0, 10, span(0), {
          tool_calls: [{ id: 'call_1', name: 'calculate', arguments: preview({ expression: '(3 + 4) * 8' }) }],
          finish_reason: 'tool_calls',
        }),
        {
          ...stepBase(1, 'execute_tool calculate', s, 11, 1.5, 'ok', span(1)),
          type: 'tool_call' as const,
          tool: 'calculate',
          call_id: 'call_1',
          declared: true,
          mcp: null,
          arguments: preview({ expression: '(3 + 4) * 8' }),
          result: preview({ value: 56 }),
        },
        modelCall(2, s, 13, 20, span(2)),
        check(3, s, 40, 'output_schema', 'output_schema', true),
        check(4, s, 41, 'ground_truth', 'grounding', true),
      ],
    });
  const exception = (n: number, build: string, start: string) =>
    run({
      n,
      build,
      scenario: 'forecast-retries-exhausted',
      subject: 'forecast-agent',
      expected: 'exception',
      detected: 'exception',
      start,
      duration: 120.5,
      steps: ({ start: s, span }) => [
        {
          ...stepBase(0, 'execute_tool get_forecast', s, 0, 20, 'error', span(0)),
          error: error('Error', 'forecast service unavailable'),
          type: 'tool_call' as const,
          tool: 'get_forecast',
          call_id: null,
          declared: true,
          mcp: null,
          arguments: preview({ city: 'Oslo' }),
          result: null,
        },
        {
          ...stepBase(1, 'recovery retry get_forecast', s, 21, 40, 'ok', span(1)),
          type: 'recovery' as const,
          action: 'retry' as const,
          target: 'get_forecast',
          outcome: 'failure' as const,
          episode: 0,
          trigger: { step_index: 0, message: 'forecast service unavailable', failure_type: 'error' as const },
          inner_steps: [2],
          fallback: null,
          metadata: { attempt: 2, backoff_ms: 10 },
        },
        {
          ...stepBase(2, 'execute_tool get_forecast', s, 31, 20, 'error', span(2)),
          error: error('Error', 'forecast service unavailable'),
          type: 'tool_call' as const,
          tool: 'get_forecast',
          call_id: null,
          declared: true,
          mcp: null,
          arguments: preview({ city: 'Oslo' }),
          result: null,
        },
      ],
      failure: ({ otel }) => ({
        kind: 'exception',
        message: 'exception: Error: forecast service unavailable',
        step_index: 2,
        location: location(0, hex(n * 1000 + 1, 16), 'forecast-agent'),
        taxonomy: taxonomy(null),
        otel,
        error: error('Error', 'forecast service unavailable', {
          cause: { class: 'TypeError', message: 'fetch failed' },
        }),
      }),
    });
  const validation = (n: number, build: string, start: string) =>
    run({
      n,
      build,
      scenario: 'extractor-missing-field',
      subject: 'invoice-extractor',
      expected: 'validation_error',
      detected: 'validation_error',
      start,
      duration: 30,
      steps: ({ start: s, span }) => [modelCall(0, s, 0, 25, span(0))],
      failure: ({ otel }) => ({
        kind: 'validation_error',
        message: "validation_error: the model's structured output breaks its schema at line_items[0].amount",
        step_index: 0,
        location: location(0, hex(n * 1000 + 1, 16), 'invoice-extractor'),
        taxonomy: taxonomy(['Reasoning Errors', 'Output Generation', 'Formatting Errors']),
        otel,
        validation: {
          source: 'model_output_schema',
          issues: [
            { path: 'line_items[0].amount', code: 'invalid_type', message: 'expected number, received string' },
            { path: 'currency', code: 'too_small', message: 'expected 3 characters' },
          ],
        },
        error: error('ZodError', 'invalid input'),
      }),
    });
  const hallucination = (
    n: number,
    build: string,
    start: string,
    scenario = 'qa-cites-missing-doc',
    expected: TraceRecord['expected'] = 'hallucination_flag',
  ) =>
    run({
      n,
      build,
      scenario,
      subject: 'cited-qa',
      expected,
      detected: 'hallucination_flag',
      start,
      duration: 18,
      output: { answer: 'See doc-9.', citations: ['doc-1', 'doc-9'] },
      steps: ({ start: s, span }) => [
        modelCall(0, s, 0, 12, span(0)),
        check(1, s, 13, 'output_schema', 'output_schema', true),
        check(2, s, 14, 'cited_ids_exist', 'grounding', false, 'doc-9 is not among the documents'),
      ],
      failure: ({ otel }) => ({
        kind: 'hallucination_flag',
        message: 'hallucination_flag: cited_ids_exist: doc-9 is not among the documents',
        step_index: 2,
        location: location(0, hex(n * 1000 + 1, 16), 'cited-qa'),
        taxonomy: taxonomy(['Reasoning Errors', 'Hallucinations', 'Language-only']),
        otel,
        grounding: {
          flags: [
            {
              check: 'cited_ids_exist',
              path: 'citations[1]',
              claim: 'doc-9',
              reason: 'doc-9 is not among the documents',
              known: ['doc-1', 'doc-2'],
              expected: null,
            },
          ],
        },
      }),
    });
  const timeout = (n: number, build: string, start: string) =>
    run({
      n,
      build,
      scenario: 'qa-model-hangs',
      subject: 'cited-qa',
      expected: 'timeout',
      detected: 'timeout',
      start,
      duration: 250,
      steps: ({ start: s, span }) => [
        {
          ...modelCall(0, s, 0, 250, span(0)),
          status: 'aborted' as const,
          http_status: null,
          response: null,
          finish_reason: null,
          usage: null,
        },
      ],
      failure: ({ otel }) => ({
        kind: 'timeout',
        message: 'timeout: the run was cut off at its 250 ms deadline',
        step_index: 0,
        location: location(0, hex(n * 1000 + 1, 16), 'cited-qa'),
        taxonomy: taxonomy(['System Execution Errors', 'Resource Management', 'Timeout Issues']),
        otel,
        timeout: { source: 'deadline', deadline_ms: 250, elapsed_ms: 250.4 },
        error: null,
      }),
    });
  const mismatch = (n: number, build: string, start: string) =>
    run({
      n,
      build,
      scenario: 'planner-valid-plan',
      subject: 'trip-planner',
      expected: null,
      detected: 'exception',
      start,
      duration: 8,
      steps: ({ start: s, span }) => [
        {
          ...modelCall(0, s, 0, 6, span(0)),
          status: 'error' as const,
          http_status: 429,
          response: null,
          finish_reason: null,
          usage: null,
          error: error('RateLimitError', '429 rate limited', { status: 429 }),
        },
      ],
      failure: ({ otel }) => ({
        kind: 'exception',
        message: 'exception: RateLimitError: 429 rate limited',
        step_index: 0,
        location: location(0, hex(n * 1000 + 1, 16), 'trip-planner'),
        taxonomy: taxonomy(['System Execution Errors', 'API Issues', 'Rate Limiting']),
        otel,
        error: error('RateLimitError', '429 rate limited', { status: 429 }),
      }),
    });
  return [
    pass(1, 'b1', at(b1, 0)),
    pass(7, 'b1', at(b1, 6000), 'qa-answer-control'),
    exception(2, 'b1', at(b1, 1000)),
    validation(3, 'b1', at(b1, 2000)),
    hallucination(4, 'b1', at(b1, 3000)),
    timeout(5, 'b1', at(b1, 4000)),
    mismatch(6, 'b1', at(b1, 5000)),
    // b2: qa-answer-control, a pass in b1, now flags a hallucination (a changed kind and a new
    // failure); qa-model-hangs is gone (removed, and its failure with it); trip-plan-added is new.
    hallucination(11, 'b2', at(b2, 0), 'qa-answer-control', null),
    exception(12, 'b2', at(b2, 1000)),
    validation(13, 'b2', at(b2, 2000)),
    hallucination(14, 'b2', at(b2, 3000)),
    mismatch(16, 'b2', at(b2, 5000)),
    pass(17, 'b2', at(b2, 6000), 'trip-plan-added'),
  ];
}

/** The runs and, beside each, the records derived from it (with ids that depend only on the run). */
export function fixtureStoreRecords(): LabRecord[] {
  return fixtureRuns().flatMap((run) => {
    let n = 0;
    const related = deriveRunRecords(run, () => uuid(Number(run.trace_id.slice(-4)) * 100 + n++, 3));
    return [run, ...related.failure_traces, ...related.recovery_traces, ...related.fallback_records];
  });
}

/** Ledger records for b1 and b2: a failure per failing run of b1, some resolved, one prevented, one escalated; b2 repeats two and adds one. */
export function fixtureLedger(): FailureRecord[] {
  const runs = fixtureRuns();
  const byScenario = (build: string, scenario: string) =>
    runs.find((r) => r.build_id === build && r.scenario_id === scenario)!;
  const rec = (
    n: number,
    build: string,
    scenario: string,
    fp: string,
    o: {
      severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
      category: 'INFRA' | 'INTEGRATION' | 'GOVERNANCE' | 'QA';
      history: [string, string][];
      escalated?: boolean;
      prevented?: boolean;
      repeat?: boolean;
    },
  ) => {
    const r = byScenario(build, scenario);
    const t = r.ended_at;
    const hours = o.severity === 'CRITICAL' ? 4 : o.severity === 'HIGH' ? 24 : o.severity === 'MEDIUM' ? 168 : 720;
    return makeFailureRecord({
      failure_id: r.failure_id ?? uuid(n, 9),
      build_id: build,
      timestamp: t,
      category: o.category,
      severity: o.severity,
      status: o.history.at(-1)![0] as FailureRecord['status'],
      failure_description: {
        summary: `${r.subject_id} failed scenario ${scenario} with ${r.detected ?? 'a mismatch'}`,
        details: '',
        error_message: r.failure?.message ?? '',
        stack_trace: null,
        logs_url: null,
      },
      context: {
        phase: 'TESTING',
        component: `agent:${r.subject_id}`,
        file_path: `scenarios/${scenario}.json`,
        line_number: null,
      },
      metadata: {
        reporter: 'agent-failure-lab capture',
        owner: null,
        priority: 'P1',
        sla_resolution_target: new Date(Date.parse(t) + hours * 3_600_000).toISOString(),
        tags: [],
      },
      repetition_tracking: {
        is_repeat: o.repeat ?? false,
        previous_occurrence_ids: [],
        repeat_count: o.repeat ? 1 : 0,
        days_since_last_occurrence: o.repeat ? 1 : null,
      },
      lab: {
        ...makeFailureRecord().lab,
        fingerprint: `fp1:${fp.padEnd(32, '0')}`,
        rule: 'exception.other',
        subject_id: r.subject_id,
        scenario_id: scenario,
        kind: r.detected,
        expected: r.expected,
        failure_type: null,
        trace_id: r.trace_id,
        occurrences: { count: 1, trace_ids: [r.trace_id], scenario_ids: [scenario] },
        escalations: o.escalated
          ? [{ level: 'build_owner', to: 'owner@example.com', at: t, occurrence: 2, build_id: build }]
          : [],
        status_history: o.history.map(([to, time], i) => ({
          from: i === 0 ? null : (o.history[i - 1]![0] as FailureRecord['status']),
          to: to as FailureRecord['status'],
          at: time,
          actor: i === 0 ? 'lab' : 'alice',
          note: null,
          build_id: i === 0 ? build : null,
        })),
        verification: o.prevented
          ? {
              verified_at: o.history.at(-1)![1],
              actor: 'alice',
              regression: {
                scenario_id: `${scenario}-regression`,
                file: 'scenarios/r.json',
                trace_id: uuid(90, 1),
                detected: r.detected,
                fingerprint: `fp1:${fp.padEnd(32, '0')}`,
              },
              control: {
                scenario_id: `${scenario}-control`,
                file: 'scenarios/c.json',
                trace_id: uuid(91, 1),
                detected: null,
              },
            }
          : null,
      },
    });
  };
  return [
    rec(2, 'b1', 'forecast-retries-exhausted', 'a2', {
      severity: 'MEDIUM',
      category: 'INFRA',
      history: [['OPEN', '2026-03-02T10:00:01.121Z']],
    }),
    rec(3, 'b1', 'extractor-missing-field', 'a3', {
      severity: 'HIGH',
      category: 'INTEGRATION',
      history: [
        ['OPEN', '2026-03-02T10:00:02.030Z'],
        ['INVESTIGATING', '2026-03-02T12:00:00.000Z'],
        ['RESOLVED', '2026-03-02T18:00:00.000Z'],
        ['PREVENTED', '2026-03-02T20:00:00.000Z'],
      ],
      prevented: true,
    }),
    rec(4, 'b1', 'qa-cites-missing-doc', 'a4', {
      severity: 'HIGH',
      category: 'GOVERNANCE',
      history: [['OPEN', '2026-03-02T10:00:03.018Z']],
    }),
    rec(5, 'b1', 'qa-model-hangs', 'a5', {
      severity: 'CRITICAL',
      category: 'INTEGRATION',
      history: [
        ['OPEN', '2026-03-02T10:00:04.250Z'],
        ['INVESTIGATING', '2026-03-02T11:00:00.000Z'],
        ['RESOLVED', '2026-03-02T16:00:00.000Z'],
      ],
    }),
    rec(6, 'b1', 'planner-valid-plan', 'a6', {
      severity: 'CRITICAL',
      category: 'QA',
      history: [['OPEN', '2026-03-02T10:00:05.008Z']],
    }),
    rec(12, 'b2', 'forecast-retries-exhausted', 'a2', {
      severity: 'MEDIUM',
      category: 'INFRA',
      history: [['OPEN', '2026-03-03T10:00:01.121Z']],
      escalated: true,
      repeat: true,
    }),
    rec(16, 'b2', 'planner-valid-plan', 'a6', {
      severity: 'CRITICAL',
      category: 'QA',
      history: [['OPEN', '2026-03-03T10:00:05.008Z']],
      repeat: true,
    }),
    rec(11, 'b2', 'qa-answer-control', 'b1', {
      severity: 'CRITICAL',
      category: 'QA',
      history: [['OPEN', '2026-03-03T10:00:00.018Z']],
    }),
  ];
}
