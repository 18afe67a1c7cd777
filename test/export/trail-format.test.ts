import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { toTrailRow, type TrailRow, type TrailSpan } from '../../src/export/trail-format.ts';
import { runCli } from '../helpers/run-cli.ts';

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
const SPAN_KEYS = [
  'child_spans',
  'duration',
  'events',
  'parent_span_id',
  'service_name',
  'span_attributes',
  'span_id',
  'span_kind',
  'span_name',
  'status_code',
  'status_message',
  'timestamp',
  'trace_id',
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
  return TraceRecord.parse({
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
  });
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
        check: 'output_schema',
        passed: true,
        detail: null,
      },
    ],
  });
}

function spansOf(row: TrailRow): TrailSpan[] {
  const all: TrailSpan[] = [];
  const walk = (span: TrailSpan) => (all.push(span), span.child_spans.forEach(walk));
  row.trace.spans.forEach(walk);
  return all;
}

describe("TRAIL's shape", () => {
  it('writes a run as OpenTelemetry spans with OpenInference attributes, nested through child_spans', () => {
    const row = toTrailRow(failedRun()) as TrailRow;
    expect(Object.keys(row).sort()).toEqual(['labels', 'trace']);
    expect(row.trace.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(row.trace.spans).toHaveLength(1);
    const spans = spansOf(row);
    for (const span of spans) {
      expect(Object.keys(span).sort()).toEqual(SPAN_KEYS);
      expect(span.trace_id).toBe(row.trace.trace_id);
      expect(span.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(span.duration).toMatch(/^PT\d+(\.\d+)?S$/);
      expect(['Unset', 'Ok', 'Error']).toContain(span.status_code);
      expect(['AGENT', 'LLM', 'TOOL', 'CHAIN']).toContain(span.span_attributes['openinference.span.kind']);
    }
    const [root, ...children] = spans;
    expect(root).toMatchObject({
      span_id: OTEL.span_id,
      parent_span_id: null,
      span_name: 'invoke_agent desk',
      status_code: 'Error',
      span_attributes: { 'openinference.span.kind': 'AGENT', 'input.value': '{"message":"How much was INV-1?"}' },
    });
    expect(
      children.map((s) => [
        s.span_attributes['openinference.span.kind'],
        s.span_attributes['agent.name'],
        s.parent_span_id,
      ]),
    ).toEqual([
      ['LLM', 'Triage', OTEL.span_id],
      ['TOOL', 'Billing', OTEL.span_id],
      ['LLM', 'Billing', OTEL.span_id],
    ]);
    expect(children[0]!.span_attributes).toMatchObject({
      'llm.model_name': 'lab-model',
      'llm.token_count.total': 14,
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'transfer_to_Billing',
    });
    expect(children[1]!.span_attributes).toMatchObject({
      'tool.name': 'lookup_invoice',
      'input.value': '{"invoice_id":"INV-1"}',
      'output.value': '{"amount_eur":120}',
    });
    expect(children[2]).toMatchObject({
      status_code: 'Error',
      status_message: 'HTTP 503: down',
      events: [{ name: 'exception', attributes: { 'exception.type': 'HTTPStatusError' } }],
    });
  });

  it('labels the failure as TRAIL does: a leaf category, the span where it first shows, evidence, description and impact', () => {
    const row = toTrailRow(failedRun()) as TrailRow;
    expect(row.labels.scores).toEqual([]);
    expect(row.labels.errors).toHaveLength(1);
    const [label] = row.labels.errors;
    expect(Object.keys(label!).sort()).toEqual(ERROR_KEYS);
    expect(TRAIL_CATEGORIES).toContain(label!.category);
    expect(label).toEqual({
      category: 'Service Errors',
      location: '1000000000000003',
      evidence: 'InternalServerError: 503 down',
      description: 'exception: InternalServerError: 503 down',
      impact: 'HIGH',
    });
    expect(spansOf(row).map((s) => s.span_id)).toContain(label!.location);
  });

  it('writes a passing run with no errors, and its checks as events of the run span', () => {
    const row = toTrailRow(passingRun()) as TrailRow;
    expect(row.labels).toEqual({ errors: [], scores: [] });
    const [root] = row.trace.spans;
    expect(root).toMatchObject({
      status_code: 'Unset',
      status_message: '',
      span_attributes: { 'output.value': '{"answer":"120 EUR"}' },
      events: [{ name: 'check output_schema', attributes: { 'lab.check.passed': 'true' } }],
    });
    expect(root!.child_spans).toHaveLength(2);
  });

  it('leaves out a run whose label is not trustworthy or has no TRAIL category', () => {
    expect(toTrailRow(TraceRecord.parse({ ...failedRun(), expected: 'timeout' }))).toBe('mismatched');
    const record = failedRun();
    expect(
      toTrailRow(
        TraceRecord.parse({
          ...record,
          failure: { ...record.failure!, taxonomy: { ...record.failure!.taxonomy, trail: null } },
        }),
      ),
    ).toBe('unmapped');
  });

  it('export --format trail writes one {trace, labels} line per labelled run, the counts to stderr', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trail-export-'));
    const capture = await runCli([
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
    const exported = await runCli(['export', '--store', 'files', '--dir', dir, '--format', 'trail']);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TrailRow);
    expect(rows).toHaveLength(2);
    const failed = rows.find((r) => r.labels.errors.length > 0)!;
    expect(failed.labels.errors[0]).toMatchObject({ category: 'Service Errors', impact: 'HIGH' });
    const located = spansOf(failed).find((s) => s.span_id === failed.labels.errors[0]!.location)!;
    expect(located).toMatchObject({
      span_name: 'chat lab-model',
      status_code: 'Error',
      span_attributes: { 'agent.name': 'Billing' },
    });
    expect(exported.stderr).toContain("exported 2 runs in TRAIL's shape");
    const bad = await runCli(['export', '--store', 'files', '--dir', dir, '--format', 'csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of ndjson, trail');
    const wrongType = await runCli([
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
