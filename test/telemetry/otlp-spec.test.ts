import { copyFile, mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.ts';

// The subset of OTLP's trace protocol (opentelemetry-proto: collector/trace/v1, trace/v1,
// common/v1, resource/v1) a receiver needs to decode an export request, with its field numbers.
const OTLP_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12; Status status = 15; fixed32 flags = 16;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;
const Request = protobuf.parse(OTLP_PROTO, { keepCase: true }).root.lookupType('otlp.ExportTraceServiceRequest');

/** A span as both protocols decode to it. */
interface DecodedSpan {
  name: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
}

type AnyValue = Record<string, unknown>;
function valueOf(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  const get = (k: string, camel: string) => v[k] ?? v[camel];
  if (get('string_value', 'stringValue') !== undefined) return get('string_value', 'stringValue');
  if (get('bool_value', 'boolValue') !== undefined) return get('bool_value', 'boolValue');
  if (get('int_value', 'intValue') !== undefined) return Number(get('int_value', 'intValue'));
  if (get('double_value', 'doubleValue') !== undefined) return Number(get('double_value', 'doubleValue'));
  const array = get('array_value', 'arrayValue') as { values?: AnyValue[] } | undefined;
  if (array) return (array.values ?? []).map(valueOf);
  return undefined;
}

function decode(body: Buffer, contentType: string): DecodedSpan[] {
  const json = contentType.includes('json');
  const request = json
    ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>)
    : (Request.toObject(Request.decode(body), { longs: String, bytes: String, defaults: true }) as Record<
        string,
        unknown
      >);
  const spans: DecodedSpan[] = [];
  const hex = (id: unknown) => (json ? String(id ?? '') : Buffer.from(String(id ?? ''), 'base64').toString('hex'));
  for (const rs of (request.resource_spans ?? request.resourceSpans ?? []) as Record<string, unknown>[])
    for (const ss of (rs.scope_spans ?? rs.scopeSpans ?? []) as Record<string, unknown>[])
      for (const s of (ss.spans ?? []) as Record<string, unknown>[])
        spans.push({
          name: String(s.name),
          spanId: hex(s.span_id ?? s.spanId),
          parentSpanId: hex(s.parent_span_id ?? s.parentSpanId),
          attributes: Object.fromEntries(
            ((s.attributes ?? []) as { key: string; value: AnyValue }[]).map((a) => [a.key, valueOf(a.value)]),
          ),
        });
  return spans;
}

let received: { path: string; contentType: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
let endpoint = '';
const receiver = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  received.push({
    path: req.url ?? '',
    contentType: String(req.headers['content-type']),
    headers: req.headers,
    body: Buffer.concat(chunks),
  });
  res.writeHead(200, { 'content-type': String(req.headers['content-type']) }).end();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

/** Inline, worker and framework subjects; a streamed call; a structured-output call; a hand-off. */
const SCENARIOS = [
  'rule-weather-three-turns-control.json',
  'calculator-cpu-bound-tool.json',
  'extractor-429-then-success.json',
  'fw-agents-handoff-control.json',
  'fw-agents-stream-control.json',
  'fw-aisdk-control.json',
  'fw-aisdk-stream-control.json',
  'fw-writer-429-retried.json',
];
const FINISH_REASONS = new Set(['stop', 'length', 'tool_calls', 'content_filter', 'error']);

async function captureSpans(env: NodeJS.ProcessEnv): Promise<DecodedSpan[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'otlp-spec-'));
  for (const file of SCENARIOS) await copyFile(path.join(ROOT, 'scenarios', file), path.join(dir, file));
  received = [];
  const run = await runCli(['capture', '--scenarios', dir, '--no-ledger'], { env, timeoutMs: 120_000 });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(received.length).toBeGreaterThan(0);
  return received.flatMap((r) => decode(r.body, r.contentType));
}

/** Checks every span against the GenAI conventions' Required and Conditionally Required attributes. */
function checkSpec(spans: DecodedSpan[]): string[] {
  const problems: string[] = [];
  const need = (s: DecodedSpan, key: string, ok: (v: unknown) => boolean = (v) => v !== undefined && v !== '') => {
    if (!ok(s.attributes[key])) problems.push(`${s.name}: ${key} = ${JSON.stringify(s.attributes[key])}`);
  };
  for (const s of spans) {
    const op = s.attributes['gen_ai.operation.name'];
    if (s.name.startsWith('workflow ')) problems.push(`${s.name}: a workflow span is invoke_workflow {name}`);
    const reasons = s.attributes['gen_ai.response.finish_reasons'];
    if (Array.isArray(reasons))
      for (const r of reasons) if (!FINISH_REASONS.has(String(r))) problems.push(`${s.name}: finish reason ${r}`);
    if (op === 'invoke_agent' || op === 'invoke_workflow' || op === 'chat') need(s, 'gen_ai.provider.name');
    if (op === 'invoke_agent') need(s, 'gen_ai.agent.name');
    if (op === 'invoke_workflow') expect(s.name.startsWith('invoke_workflow ')).toBe(true);
    if (op === 'execute_tool') need(s, 'gen_ai.tool.name');
    if (op === 'chat' && s.name.startsWith('chat ')) {
      need(s, 'gen_ai.request.model');
      need(s, 'server.address');
      need(s, 'server.port', (v) => typeof v === 'number' && v > 0);
      need(s, 'gen_ai.request.stream', (v) => typeof v === 'boolean');
      // A call that was answered names the response.
      if (s.attributes['gen_ai.response.finish_reasons'] !== undefined) {
        need(s, 'gen_ai.response.id');
        need(s, 'gen_ai.response.model');
      }
    }
  }
  return problems;
}

describe('OpenTelemetry that meets the GenAI conventions', () => {
  let json: DecodedSpan[];
  let proto: DecodedSpan[];

  it('exports http/protobuf by default, to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, with OTEL_EXPORTER_OTLP_HEADERS', async () => {
    proto = await captureSpans({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'x-lab-test=yes' });
    expect(received.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(received.every((r) => r.contentType === 'application/x-protobuf')).toBe(true);
    expect(received.every((r) => r.headers['x-lab-test'] === 'yes')).toBe(true);
    expect(checkSpec(proto)).toEqual([]);
  }, 180_000);

  it('exports http/json on request, to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT alone, used as it is', async () => {
    json = await captureSpans({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/custom/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(received.every((r) => r.path === '/custom/traces')).toBe(true);
    expect(received.every((r) => r.contentType === 'application/json')).toBe(true);
    expect(checkSpec(json)).toEqual([]);
  }, 180_000);

  it('gives the same spans over both protocols, with every attribute the conventions ask for what the lab knows', () => {
    const shape = (spans: DecodedSpan[]) =>
      spans.map((s) => `${s.name} ${Object.keys(s.attributes).sort().join(',')}`).sort();
    expect(shape(proto)).toEqual(shape(json));
    const names = new Set(json.map((s) => s.name));
    for (const name of ['invoke_agent weather-agent', 'invoke_workflow agent-failure-lab', 'execute_tool get_weather'])
      expect(names).toContain(name);
    const chats = json.filter((s) => s.name === 'chat lab-model');
    expect(chats.some((s) => s.attributes['gen_ai.request.stream'] === true)).toBe(true);
    expect(chats.some((s) => s.attributes['gen_ai.output.type'] === 'json')).toBe(true);
    expect(chats.every((s) => s.attributes['server.address'] === '127.0.0.1')).toBe(true);
    // Every span but a run's own sits under another span of the export.
    const ids = new Set(json.map((s) => s.spanId));
    for (const s of json.filter((s) => !s.name.startsWith('invoke_agent ') || s.parentSpanId !== ''))
      if (s.parentSpanId) expect(ids.has(s.parentSpanId), `${s.name} has its parent`).toBe(true);
  });

  it('refuses an OTLP protocol it does not speak, naming the variable and the fix (exit 2)', async () => {
    const run = await runCli(['capture', '--filter', 'rule-weather-three-turns'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported');
  });
});
