import diagnostics from 'node:diagnostics_channel';
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { ToolCallStep } from '../../src/contracts/trace-step.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { McpServerStartError } from '../../src/errors/mcp-server-start-error.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
import { serveWeatherHttp } from '../../examples/mcp-weather-server/server.ts';
import { normalizeRecord } from '../helpers/normalize.ts';
import { ROOT } from '../helpers/run-cli.ts';

const SERVER = path.join(ROOT, 'examples/mcp-weather-server/server.ts');
const CANARY = 'sk-canary-7f3a9c2e1b';

/**
 * Every fault kind of a tools/call, each shipped for both clients over both transports
 * (docs/chaos-mcp.md, "How each failure is classified"): a result fixture, a delay, and the kinds
 * that make the call fail.
 */
const CALL_KINDS = [
  'delay_ms',
  'disconnect',
  'hang',
  'is_error',
  'jsonrpc_error',
  'malformed',
  'result',
  'tools_changed',
];

/** How the tools/call step of each fault kind ends (docs/chaos-mcp.md), whatever the client. */
const STEP_ERROR: Record<string, string | null> = {
  result: null,
  delay_ms: null,
  is_error: 'McpToolResultError',
  jsonrpc_error: 'McpJsonRpcError',
  malformed: 'McpMalformedMessageError',
  disconnect: 'McpDisconnectedError',
  tools_changed: 'McpJsonRpcError',
};

let server: ScriptedModelServer;
let subjects: Map<string, Subject>;
let scenarios: Scenario[];
const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
/** Every TCP connection the lab's process opened during the runs: none may leave the machine. */
const remotes: string[] = [];
const onSocket = ({ socket }: { socket: Socket }) =>
  socket.once('connect', () => remotes.push(socket.remoteAddress ?? '(none)'));

beforeAll(async () => {
  diagnostics.subscribe('net.client.socket', onSocket as (message: unknown) => void);
  server = await ScriptedModelServer.start();
  subjects = await (await SubjectCatalog.open(path.join(ROOT, 'subjects'))).load([
    'mcp-client-forecast',
    'agents-mcp-forecast',
  ]);
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-scenarios-'));
  for (const name of await readdir(path.join(ROOT, 'scenarios')))
    if (/^(mcp-client|agents-mcp)-forecast-.*\.json$/.test(name))
      await cp(path.join(ROOT, 'scenarios', name), path.join(dir, name));
  // A server asked not to start gets no call, so no tools/call step: test/mcp/mcp-start-fault.test.ts has those.
  scenarios = (await loadScenarios(dir, subjects)).map((l) => l.scenario).filter((s) => !s.mcp_start);
});
afterAll(async () => {
  diagnostics.unsubscribe('net.client.socket', onSocket as (message: unknown) => void);
  await server.close();
});

const mcpStep = (record: TraceRecord) =>
  record.steps.find((s): s is ToolCallStep => s.type === 'tool_call' && s.mcp !== null);

describe('MCP servers behind the lab proxy, with real clients over both transports', () => {
  it('every shipped MCP scenario gives its expected record, the same on a second run: the kind, the tools/call step, the injected fault and the spans', async () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
    // Each run starts two processes (the relay and the server): a few at a time on a small machine.
    const limit = pLimit(4);
    // Every scenario twice: the second run must give the same record, apart from ids and times.
    const both = await Promise.all(
      [...scenarios, ...scenarios].map((scenario) =>
        limit(async () => {
          const result = await runWithFailureDetection(subjects.get(scenario.subject)!, scenario, {
            model: server,
            tracer,
          });
          return { scenario, record: TraceRecord.parse(result.trace) };
        }),
      ),
    );
    const runs = both.slice(0, scenarios.length);
    // The tools/call's JSON-RPC id is compared too: each run's client numbers its own requests, and
    // an Agents SDK run lists its tools once, before the call, whatever the other runs in the
    // process do (docs/chaos-mcp.md, "One run's tool list (Agents SDK)").
    // The frames of an error's stack below the SDK's own are Node's event plumbing: which of a
    // closed server's child-process events (exit, or its pipe's close) came first, which the lab
    // does not decide. The class, message and the SDK's frames are compared; Node's are not.
    const sdkFrames = (stack: string) =>
      stack
        .split('\n')
        .filter((line) => !/\(node:|at (Socket|Pipe|ChildProcess)\.(emit|<anonymous>)/.test(line))
        .join('\n');
    const withoutNodeFrames = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (key, v) => (key === 'stack' && typeof v === 'string' ? sdkFrames(v) : v)));
    const same = (record: TraceRecord) => normalizeRecord(withoutNodeFrames(record) as TraceRecord);
    both
      .slice(scenarios.length)
      .forEach(({ scenario, record }, i) => expect(same(record), scenario.id).toEqual(same(runs[i]!.record)));
    const spans = exporter.getFinishedSpans();
    const transports = new Set<string>();
    const kinds = new Set<string>();
    /** The fault kinds shipped, by client (subject) and transport. */
    const kindsBy = new Map<string, Set<string>>();
    for (const { scenario, record } of runs) {
      const id = scenario.id;
      expect(
        record.detected,
        `${id}: ${record.failure?.message} ${record.steps.map((s) => `${s.name} ${s.status} ${s.duration_ms} ${s.error?.message ?? ''}`).join(' | ')}`,
      ).toBe(scenario.expected);
      const step = mcpStep(record);
      expect(step, id).toBeDefined();
      const transport = (scenario.input as { transport?: string }).transport === 'http' ? 'streamable_http' : 'stdio';
      transports.add(transport);
      expect(step!.name, id).toBe('tools/call get_forecast');
      expect(step!.mcp, id).toMatchObject({ server: 'weather', method: 'tools/call', transport });
      expect(step!.mcp!.request_id, id).toMatch(/^\d+$/);
      expect(step!.mcp!.session_id, id).toMatch(/^[0-9a-f-]{36}$/);

      // The fault, by construction: where it went and what it was.
      const fault = scenario.mcp.weather?.get_forecast?.[0];
      if (!fault) expect(record.injected_faults, id).toEqual([]);
      else {
        expect(record.injected_faults, id).toEqual([
          {
            // A variant of the control places its fault in the same block (docs/chaos.md).
            source: scenario.tags.includes('variant') ? 'variant' : 'script',
            site: { mcp: 'weather', tool: 'get_forecast', call: 1 },
            step_index: step!.index,
            step_type: 'tool_call',
            fault,
          },
        ]);
        const key = fault.is_error ? 'is_error' : (Object.keys(fault)[0] as string);
        kinds.add(key);
        const pair = `${scenario.subject} ${transport}`;
        kindsBy.set(pair, (kindsBy.get(pair) ?? new Set()).add(key));
        if (fault.hang || (fault.delay_ms ?? 0) > 1000) {
          // The client's own timer gave up on the call: it was never answered.
          expect(step!.status, id).toBe('error');
          expect(step!.error, id).toMatchObject({ class: 'McpUnansweredError', name: 'TimeoutError' });
        } else {
          expect(step!.error?.class ?? null, id).toBe(STEP_ERROR[key]);
          if (fault.jsonrpc_error) expect(step!.error!.code, id).toBe(String(fault.jsonrpc_error.code));
        }
      }

      // The span follows the MCP conventions.
      const span = spans.find((s) => s.spanContext().spanId === step!.span_id) as ReadableSpan;
      expect(span, id).toBeDefined();
      expect(span.name, id).toBe('tools/call get_forecast');
      expect(span.kind, id).toBe(SpanKind.CLIENT);
      expect(span.attributes, id).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'get_forecast',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': step!.mcp!.request_id,
        'mcp.session.id': step!.mcp!.session_id,
        'network.transport': transport === 'stdio' ? 'pipe' : 'tcp',
      });
      if (fault?.jsonrpc_error)
        expect(span.attributes, id).toMatchObject({
          'error.type': String(fault.jsonrpc_error.code),
          'rpc.response.status_code': String(fault.jsonrpc_error.code),
        });
      if (fault?.is_error) expect(span.attributes['error.type'], id).toBe('tool_error');
      if (step!.status === 'ok') expect(span.attributes['error.type'], id).toBeUndefined();

      // The strict client's failures, by TRAIL's taxonomy.
      if (record.failure?.kind === 'exception') {
        const leaf = record.failure.taxonomy.trail?.path.at(-1);
        expect(leaf, id).toBe(fault?.tools_changed ? 'Tool Definition Issues' : 'Service Errors');
        expect(record.failure.location.step_index, id).toBe(step!.index);
      }
      if (record.failure?.kind === 'timeout')
        expect(record.failure.taxonomy.trail?.path.at(-1), id).toBe('Timeout Issues');
    }
    expect([...transports].sort()).toEqual(['stdio', 'streamable_http']);
    expect([...kinds].sort()).toEqual(CALL_KINDS);
    // Every kind with each real client over each transport (issue 26, item 4).
    for (const subject of ['agents-mcp-forecast', 'mcp-client-forecast'])
      for (const transport of ['stdio', 'streamable_http'])
        expect([...(kindsBy.get(`${subject} ${transport}`) ?? [])].sort(), `${subject} ${transport}`).toEqual(
          CALL_KINDS,
        );
    // Nothing the runs opened left the machine (the clients and the proxy in this process; the relay
    // connects to 127.0.0.1 by construction).
    expect(remotes.length).toBeGreaterThan(0);
    for (const remote of remotes) expect(remote).toMatch(/^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/);
  }, 480_000);

  it('a canary secret the server echoes reaches nothing stored: not the record, its failure, nor a span', async () => {
    const base = scenarios.find((s) => s.id === 'mcp-client-forecast-control')!;
    for (const transport of ['stdio', 'http'] as const) {
      exporter.reset();
      const scenario = Scenario.parse({
        ...base,
        id: `canary-${transport}`,
        expected: 'exception',
        input: { city: CANARY, transport },
        model: { replies: [{ tool_calls: [{ name: 'get_forecast', arguments: { city: CANARY } }] }] },
        grounding: [],
      });
      const { trace, related } = await runWithFailureDetection(subjects.get('mcp-client-forecast')!, scenario, {
        model: server,
        tracer,
        secrets: [CANARY],
      });
      // The real server answered "no forecast for <canary>" as a tool error result.
      expect(trace.detected).toBe('exception');
      expect(mcpStep(trace)!.error!.message).toContain('no forecast for');
      const stored = JSON.stringify({ trace, related });
      const spans = JSON.stringify(
        exporter
          .getFinishedSpans()
          .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
      );
      expect(stored).not.toContain(CANARY);
      expect(spans).not.toContain(CANARY);
      expect(stored).toContain('no forecast for');
    }
  }, 60_000);

  it('a server given by url is proxied too, to either client transport', async () => {
    const upstream = await serveWeatherHttp();
    try {
      const base = subjects.get('mcp-client-forecast')!;
      const subject = { ...base, mcp_servers: { weather: { url: upstream.url } } };
      for (const id of ['mcp-client-forecast-control', 'mcp-client-forecast-http-jsonrpc-error']) {
        const scenario = scenarios.find((s) => s.id === id)!;
        const { trace } = await runWithFailureDetection(subject, scenario, { model: server });
        expect(trace.detected, id).toBe(scenario.expected);
        expect(mcpStep(trace)!.mcp!.server, id).toBe('weather');
      }
    } finally {
      await upstream.close();
    }
  }, 60_000);

  it('tools_changed announces tools/list_changed, and the tool lists again with a new required argument', async () => {
    const subject = defineSubject({
      id: 'list-changed-probe',
      description: 'Calls get_forecast once (the fault refuses it), then lists the tools again.',
      inputSchema: z.object({}),
      outputSchema: z.object({ notified: z.boolean(), code: z.number(), required: z.array(z.string()) }),
      toolsCalledBy: 'subject',
      mcp_servers: { weather: { command: [process.execPath, SERVER] } },
      async run(ctx) {
        const client = new Client({ name: 'probe', version: '1.0.0' });
        let notified = false;
        client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
          notified = true;
        });
        const proxied = ctx.mcp.weather!;
        await client.connect(new StdioClientTransport({ command: proxied.command, args: [...proxied.args] }));
        try {
          const code = await client.callTool({ name: 'get_forecast', arguments: { city: 'Oslo' } }).then(
            () => 0,
            (error: { code: number }) => error.code,
          );
          const { tools } = await client.listTools();
          const schema = tools.find((t) => t.name === 'get_forecast')!.inputSchema;
          return { notified, code, required: (schema.required as string[]) ?? [] };
        } finally {
          await client.close();
        }
      },
    });
    const scenario = Scenario.parse({
      id: 'list-changed-probe',
      subject: 'list-changed-probe',
      description: 'd',
      expected: null,
      deadline_ms: 30000,
      input: {},
      mcp: { weather: { get_forecast: [{ tools_changed: true }] } },
    });
    const { trace } = await runWithFailureDetection(subject, scenario, { model: server });
    expect(trace.detected).toBeNull();
    expect(JSON.parse(trace.output!.text)).toEqual({ notified: true, code: -32602, required: ['city', 'revision'] });
  }, 60_000);

  it('a server that cannot start is a fault of the set-up: exit 2, naming the server and its stderr tail', async () => {
    const base = subjects.get('mcp-client-forecast')!;
    const subject = { ...base, mcp_servers: { weather: { command: [process.execPath, SERVER, '--fail'] } } };
    const scenario = scenarios.find((s) => s.id === 'mcp-client-forecast-control')!;
    const error = await runWithFailureDetection(subject, scenario, { model: server }).catch((e: unknown) => e);
    expect(McpServerStartError.isInstance(error)).toBe(true);
    expect((error as McpServerStartError).exitCode).toBe(2);
    expect((error as Error).message).toContain('the MCP server "weather" could not start');
    expect((error as Error).message).toContain('cannot open the forecast table');
  }, 60_000);

  it('a url off the machine is refused before anything connects', async () => {
    const base = subjects.get('mcp-client-forecast')!;
    const subject = { ...base, mcp_servers: { weather: { url: 'http://192.0.2.10:8080/mcp' } } };
    const scenario = scenarios.find((s) => s.id === 'mcp-client-forecast-control')!;
    const before = remotes.length;
    const error = await runWithFailureDetection(subject, scenario, { model: server }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('mcp_servers.weather.url: 192.0.2.10 is not on this machine');
    expect(remotes.slice(before).filter((r) => r.startsWith('192.'))).toEqual([]);
  });
});
