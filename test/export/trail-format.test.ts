import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { upgradeTraceRecordV3 } from '../../src/contracts/migrate-v3.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { TraceRecordV3 } from '../../src/contracts/v3/trace-record.ts';
import type { TrailAnnotation, TrailSpan, TrailTrace } from '../../src/dataset/trail-layout.ts';
import { toTrailRow, type TrailRow } from '../../src/export/trail-format.ts';
import { runMain } from '../helpers/run-cli.ts';

/** TRAIL's leaf categories, as its taxonomy and benchmark prompt name them. */
const TRAIL_CATEGORIES = [
  'Language-only',
  'Tool-related',
  'Poor Information Retrieval',
  'Tool Output Misinterpretation',
  'Incorrect Problem Identification',
  'Tool Selection Errors',
  'Formatting Errors',
  'Instruction Non-compliance',
  'Tool Definition Issues',
  'Environment Setup Errors',
  'Rate Limiting',
  'Authentication Errors',
  'Service Errors',
  'Resource Not Found',
  'Resource Exhaustion',
  'Timeout Issues',
  'Context Handling Failures',
  'Resource Abuse',
  'Goal Deviation',
  'Task Orchestration',
];
/** TRAIL's 19 span keys, in its order. */
const SPAN_KEYS = [
  'timestamp',
  'trace_id',
  'span_id',
  'parent_span_id',
  'trace_state',
  'span_name',
  'span_kind',
  'service_name',
  'resource_attributes',
  'scope_name',
  'scope_version',
  'span_attributes',
  'duration',
  'status_code',
  'status_message',
  'events',
  'links',
  'logs',
  'child_spans',
];
const ERROR_KEYS = ['category', 'description', 'evidence', 'impact', 'location'];

const T0 = '2026-03-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const text = (value: string, type: 'string' | 'object' = 'string') => ({
  type,
  text: value,
  bytes: value.length,
  truncated: false,
  sha256: null,
});
const OTEL = { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' };
const error = (cls: string, message: string, status: number | null = null) => ({
  class: cls,
  name: cls,
  message,
  stack: null,
  thrown: 'error' as const,
  code: null,
  status,
  cause: null,
});

/** A synthetic multi-agent run: a hand-off, a tool call, then a 503 on the second agent's model call. */
function failedRun(): TraceRecord {
  const base = { started_at: T0, ended_at: at(5), duration_ms: 5, error: null };
  const steps = [
    {
      ...base,
      index: 0,
      type: 'model_call',
      name: 'chat lab-model',
      status: 'ok',
      span_id: '1000000000000001',
      agent: 'Triage',
      api: 'chat.completions',
      model: 'lab-model',
      stream: false,
      request: text('{"messages":[]}', 'object'),
      http_status: 200,
      response: text('{"choices":[]}', 'object'),
      finish_reason: 'tool_calls',
      usage: { input_tokens: 10, output_tokens: 4 },
      tool_calls: [{ id: 'call_1', name: 'transfer_to_Billing', arguments: text('{}') }],
    },
    {
      ...base,
      index: 1,
      type: 'tool_call',
      name: 'execute_tool lookup_invoice',
      status: 'ok',
      span_id: '1000000000000002',
      agent: 'Billing',
      tool: 'lookup_invoice',
      call_id: 'call_2',
      declared: true,
      arguments: text('{"invoice_id":"INV-1"}', 'object'),
      result: text('{"amount_eur":120}', 'object'),
    },
    {
      ...base,
      index: 2,
      type: 'model_call',
      name: 'chat lab-model',
      status: 'error',
      error: error('HTTPStatusError', 'HTTP 503: down', 503),
      span_id: '1000000000000003',
      agent: 'Billing',
      api: 'chat.completions',
      model: 'lab-model',
      stream: false,
      request: text('{"messages":[]}', 'object'),
      http_status: 503,
      response: text('{"error":{}}', 'object'),
      finish_reason: null,
      usage: null,
      tool_calls: [],
    },
  ];
  const failure = {
    schema_version: 2,
    kind: 'exception',
    failure_id: '6f1c1d38-6c5a-4c59-9c67-3f1f4b8a2a10',
    trace_id: 'c0b6a0a4-3f57-4f1e-9d63-0d5f6bcb9e21',
    subject_id: 'desk',
    scenario_id: 'desk-503',
    occurred_at: at(15),
    message: 'exception: InternalServerError: 503 down',
    step_index: 2,
    location: { step_index: 2, span_id: '1000000000000003', agent: 'Billing' },
    taxonomy: {
      version: 'lab-taxonomy/1',
      trail: { path: ['System Execution Errors', 'API Issues', 'Service Errors'] },
      mast: null,
    },
    otel: OTEL,
    error: error('InternalServerError', '503 down', 503),
  };
  // Written as a version 3 lab wrote it, and read as the store reads it.
  return upgradeTraceRecordV3(
    TraceRecordV3.parse({
      schema_version: 3,
      trace_id: failure.trace_id,
      build_id: null,
      attempt_id: null,
      subject_id: 'desk',
      scenario_id: 'desk-503',
      expected: 'exception',
      detected: 'exception',
      failure_id: failure.failure_id,
      failure,
      run: { mode: 'scripted', isolation: 'inline', deadline_ms: 5000, repeat_index: 0 },
      model: { name: 'lab-model' },
      started_at: T0,
      ended_at: at(15),
      duration_ms: 15,
      input: text('{"message":"How much was INV-1?"}', 'object'),
      output: null,
      steps,
      otel: OTEL,
      replay: null,
    }),
  );
}

/** The same run, passing, with a check step. */
function passingRun(): TraceRecord {
  const record = failedRun();
  const steps = record.steps.slice(0, 2);
  return TraceRecord.parse({
    ...record,
    expected: null,
    detected: null,
    failure_id: null,
    failure: null,
    output: text('{"answer":"120 EUR"}', 'object'),
    steps: [
      ...steps,
      {
        index: 2,
        type: 'check',
        name: 'check output_schema',
        started_at: at(10),
        ended_at: at(10),
        duration_ms: 0,
        status: 'ok',
        error: null,
        span_id: null,
        agent: 'Billing',
        turn: null,
        check: 'output_schema',
        passed: true,
        detail: null,
      },
    ],
  });
}

/** The row's two columns, parsed as TRAIL's users do: json.loads(row["trace"]), json.loads(row["labels"]). */
function parsed(row: TrailRow): { trace: TrailTrace; labels: TrailAnnotation } {
  expect(typeof row.trace).toBe('string');
  expect(typeof row.labels).toBe('string');
  return { trace: JSON.parse(row.trace) as TrailTrace, labels: JSON.parse(row.labels) as TrailAnnotation };
}

function spansOf(trace: TrailTrace): TrailSpan[] {
  const all: TrailSpan[] = [];
  const walk = (span: TrailSpan) => (all.push(span), span.child_spans.forEach(walk));
  trace.spans.forEach(walk);
  return all;
}

const SEED = 'test-seed';

describe("TRAIL's shape", () => {
  it("writes a run as TRAIL's spans: its 19 keys, string attributes, microseconds, OpenInference messages, nested through child_spans", () => {
    const row = toTrailRow(failedRun(), SEED) as TrailRow;
    expect(Object.keys(row).sort()).toEqual(['labels', 'trace']);
    const { trace } = parsed(row);
    expect(trace.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.trace_id).not.toBe(OTEL.trace_id);
    expect(trace.spans).toHaveLength(1);
    const spans = spansOf(trace);
    for (const span of spans) {
      expect(Object.keys(span)).toEqual(SPAN_KEYS);
      expect(span.trace_id).toBe(trace.trace_id);
      expect(span.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(span.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(span.duration).toMatch(/^PT(\d+M)?\d+(\.\d+)?S$/);
      expect(['Unset', 'Ok', 'Error']).toContain(span.status_code);
      expect(['AGENT', 'LLM', 'TOOL', 'CHAIN']).toContain(span.span_attributes['openinference.span.kind']);
      for (const value of Object.values(span.span_attributes)) expect(typeof value).toBe('string');
      for (const event of span.events) {
        expect(Object.keys(event)).toEqual(['Timestamp', 'Name', 'Attributes']);
        expect(event.Timestamp).toMatch(/\.\d{6}$/);
      }
    }
    const [root, ...children] = spans;
    expect(root).toMatchObject({
      parent_span_id: null,
      span_name: 'invoke_agent desk',
      status_code: 'Error',
      status_message: '503 down',
      span_attributes: { 'openinference.span.kind': 'AGENT', 'input.value': '{"message":"How much was INV-1?"}' },
    });
    expect(root!.span_id).not.toBe(OTEL.span_id);
    expect(
      children.map((s) => [
        s.span_attributes['openinference.span.kind'],
        s.span_attributes['agent.name'],
        s.parent_span_id,
        s.status_code,
      ]),
    ).toEqual([
      ['LLM', 'Triage', root!.span_id, 'Ok'],
      ['TOOL', 'Billing', root!.span_id, 'Ok'],
      ['LLM', 'Billing', root!.span_id, 'Error'],
    ]);
    expect(children[0]!.span_attributes).toMatchObject({
      'llm.model_name': 'lab-model',
      'llm.token_count.total': '14',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'transfer_to_Billing',
      'gen_ai.request.stream': 'False',
    });
    expect(children[1]!.span_attributes).toMatchObject({
      'tool.name': 'lookup_invoice',
      'input.value': '{"invoice_id":"INV-1"}',
      'output.value': '{"amount_eur":120}',
    });
    expect(children[2]).toMatchObject({
      status_code: 'Error',
      status_message: 'HTTP 503: down',
      events: [{ Name: 'exception', Attributes: { 'exception.type': 'HTTPStatusError' } }],
    });
  });

  it('puts the messages of a model call in OpenInference llm.input_messages.* / llm.output_messages.*', () => {
    const record = failedRun();
    const step = record.steps[0]! as Extract<TraceRecord['steps'][number], { type: 'model_call' }>;
    step.request = text(
      '{"model":"lab-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"INV-1?"}]}',
      'object',
    );
    step.response = text('{"choices":[{"message":{"role":"assistant","content":"Transferring."}}]}', 'object');
    const llm = spansOf(parsed(toTrailRow(record, SEED) as TrailRow).trace)[1]!;
    expect(llm.span_attributes).toMatchObject({
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': 'INV-1?',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'Transferring.',
    });
  });

  it('labels the failure as TRAIL does, apart from the trace, and nothing of the label reaches the trace', () => {
    const row = toTrailRow(failedRun(), SEED) as TrailRow;
    const { trace, labels } = parsed(row);
    expect(labels.scores).toEqual([]);
    expect(labels.errors).toHaveLength(1);
    const [label] = labels.errors;
    expect(Object.keys(label!).sort()).toEqual(ERROR_KEYS);
    expect(TRAIL_CATEGORIES).toContain(label!.category);
    expect(label).toMatchObject({
      category: 'Service Errors',
      evidence: 'InternalServerError: 503 down',
      impact: 'HIGH',
    });
    const located = spansOf(trace).find((s) => s.span_id === label!.location)!;
    expect(located.span_name).toBe('chat lab-model');
    expect(located.status_code).toBe('Error');
    for (const leak of ['desk-503', 'exception: InternalServerError', 'lab.', 'Service Errors', 'check '])
      expect(row.trace).not.toContain(leak);
  });

  it('draws the same ids from the same seed, and others from another', () => {
    const a = parsed(toTrailRow(failedRun(), SEED) as TrailRow).trace;
    const b = parsed(toTrailRow(failedRun(), SEED) as TrailRow).trace;
    const c = parsed(toTrailRow(failedRun(), 'other') as TrailRow).trace;
    expect(a).toEqual(b);
    expect(c.trace_id).not.toBe(a.trace_id);
  });

  it('leaves out a pass, a run whose label is not trustworthy, a live run and a failure with no TRAIL category', () => {
    expect(toTrailRow(passingRun(), SEED)).toBe('no_error');
    expect(toTrailRow(TraceRecord.parse({ ...failedRun(), expected: 'timeout' }), SEED)).toBe('mismatched');
    expect(toTrailRow(TraceRecord.parse({ ...failedRun(), run: { ...failedRun().run, mode: 'live' } }), SEED)).toBe(
      'live',
    );
    const record = failedRun();
    expect(
      toTrailRow(
        TraceRecord.parse({
          ...record,
          failure: { ...record.failure!, taxonomy: { ...record.failure!.taxonomy, trail: null } },
        }),
        SEED,
      ),
    ).toBe('unmapped');
  });

  it('export --format trail writes one {trace, labels} row per failed run, both JSON strings, the counts to stderr', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trail-export-'));
    const capture = await runMain([
      'capture',
      '--store',
      'files',
      '--dir',
      dir,
      '--filter',
      'fw-agents-handoff',
      '--no-ledger',
    ]);
    expect(capture.code, capture.stderr).toBe(0);
    const exported = await runMain(['export', '--store', 'files', '--dir', dir, '--format', 'trail']);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => parsed(JSON.parse(l) as TrailRow));
    expect(rows).toHaveLength(1);
    const [failed] = rows;
    expect(failed!.labels.errors[0]).toMatchObject({ category: 'Service Errors', impact: 'HIGH' });
    const located = spansOf(failed!.trace).find((s) => s.span_id === failed!.labels.errors[0]!.location)!;
    expect(located).toMatchObject({
      span_name: 'chat lab-model',
      status_code: 'Error',
      span_attributes: { 'agent.name': 'Billing' },
    });
    expect(exported.stderr).toContain("exported 1 failed run in TRAIL's shape");
    expect(exported.stderr).toContain('left out 1 passing');
    const bad = await runMain(['export', '--store', 'files', '--dir', dir, '--format', 'csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of ndjson, trail');
    const wrongType = await runMain([
      'export',
      '--store',
      'files',
      '--dir',
      dir,
      '--format',
      'trail',
      '--type',
      'fallback',
    ]);
    expect(wrongType.code).toBe(2);
  }, 60_000);
});
