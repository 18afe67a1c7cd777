import diagnostics from 'node:diagnostics_channel';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCapture } from '../../src/capture/run-capture.ts';
import { Scenario, type ScenarioInput } from '../../src/contracts/scenario.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ModelScriptError } from '../../src/errors/model-script-error.ts';
import { ledgerSettingsFromEnv } from '../../src/ledger/ledger-settings.ts';
import { reproduceScenario } from '../../src/ledger/reproduce.ts';
import { openLedger } from '../../src/ledger-store/ledgers.ts';
import { LIVE_PROXY_API_KEY, LiveEndpoint } from '../../src/model/live-endpoint.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { openStore } from '../../src/store/stores.ts';
import { writeHtmlReport } from '../../src/report/write-report.ts';
import { loadCommandSubject } from '../../src/subject/command-subject.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { leaksOf, readTree } from '../helpers/secret-canary.ts';

// Letters that occur nowhere else in what the lab writes, so any 8 of them in a row is a leak.
const KEY = 'sk-ZqLiveWvXyKpRtQmNzJhGf';

/** What the stand-in provider was asked. */
interface Seen {
  path: string;
  authorization: string | undefined;
  stream: boolean;
  model: unknown;
}

/**
 * A second OpenAI-compatible server on loopback, standing in for the provider. It echoes the key
 * it is sent in a header and in the body, as a careless provider might, so redaction is tested too.
 */
async function startProvider(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text || '{}') as { model?: unknown; stream?: boolean };
    seen.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      stream: body.stream === true,
      model: body.model,
    });
    const n = seen.length;
    const echo = req.headers.authorization ?? '';
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-echo': echo });
      const event = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ id: `chatcmpl-upstream-${n}`, object: 'chat.completion.chunk', created: 1, model: body.model, system_fingerprint: `fp ${echo}`, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
      for (const e of [
        event({ role: 'assistant', content: '' }),
        event({ content: 'upstream ' }),
        event({ content: 'streamed ' }),
        event({ content: 'answer' }),
        event({}, 'stop'),
      ])
        res.write(e);
      return void res.end('data: [DONE]\n\n');
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo': echo });
    res.end(
      JSON.stringify({
        id: `chatcmpl-upstream-${n}`,
        object: 'chat.completion',
        created: 1,
        model: body.model,
        system_fingerprint: `fp ${echo}`,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: `upstream answer ${n}`, refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

/** The TypeScript side: the same two questions as the command subject, through ctx.client. */
const tsSubject = defineSubject({
  id: 'live-ts',
  description: 'Asks a question, then asks it again streamed.',
  inputSchema: z.object({ question: z.string() }),
  outputSchema: z.object({ first: z.string(), streamed: z.string() }),
  async run({ client, model, input, signal }) {
    const messages = [{ role: 'user' as const, content: input.question }];
    const first = await client.chat.completions.create({ model, messages }, { signal });
    const stream = await client.chat.completions.create({ model, messages, stream: true }, { signal });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
    return { first: first.choices[0]?.message.content ?? '', streamed };
  },
});

/** Three calls: a 429 (replaced), then a live call, then a live stream cut after two events. */
function threeCalls(subject: string): Scenario {
  return Scenario.parse({
    id: `${subject}-429-live-cut`,
    subject,
    description: 'A 429, then the real answer, then the real stream cut after two events.',
    expected: 'exception',
    deadline_ms: 30_000,
    input: { question: 'What is the capital of France?' },
    client: { max_retries: 1 },
    model: {
      replies: [
        { fault: { status: 429, retry_after_ms: 0 } },
        { live: true },
        { live: true, fault: { cut_after_chunks: 2 } },
      ],
    },
  } satisfies ScenarioInput);
}

let provider: Awaited<ReturnType<typeof startProvider>>;
let live: LiveEndpoint;
let commandSubject: Subject;
const env = () => ({ OPENAI_BASE_URL: provider.url, OPENAI_API_KEY: KEY, OPENAI_MODEL: 'provider-model-x' });

beforeAll(async () => {
  provider = await startProvider();
  live = await LiveEndpoint.start(env());
  commandSubject = await loadCommandSubject(path.join(ROOT, 'test/fixtures/live-agent/live-agent.subject.yaml'));
});
afterAll(async () => {
  await live.close();
  provider.server.closeAllConnections();
  await new Promise<void>((resolve) => provider.server.close(() => resolve()));
});

/** Puts environment variables back as they were (absent ones deleted). */
function restore(saved: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
}

const modelCalls = (trace: TraceRecord) =>
  trace.steps.filter((s) => s.type === 'model_call') as Extract<TraceRecord['steps'][number], { type: 'model_call' }>[];

describe('faults on live traffic', { timeout: 120_000 }, () => {
  for (const side of ['TypeScript', 'command'] as const)
    it(`${side} subject: a 429, then a live call, then a live stream cut, each as the record expects`, async () => {
      const subject = side === 'TypeScript' ? tsSubject : commandSubject;
      const before = provider.seen.length;
      const { event, trace, injectedFaults } = await runWithFailureDetection(subject, threeCalls(subject.id), {
        model: live,
        recordReplies: true,
      });
      const calls = modelCalls(trace);
      expect(trace.run.mode).toBe('live');
      expect(trace.model.name).toBe('provider-model-x');
      expect(event?.kind, JSON.stringify(event)).toBe('exception');
      // Call 1 was answered by the lab (a 429), call 2 by the provider, call 3 by the provider and cut.
      expect(calls.map((c) => [c.http_status, c.status, c.stream])).toEqual([
        [429, 'error', false],
        [200, 'ok', false],
        [200, 'error', true],
      ]);
      expect(calls[0]!.response?.text).toContain('scripted fault: HTTP 429');
      expect(calls[1]!.response?.text).toContain('upstream answer');
      const cut = trace.replay!.exchanges.find((e) => e.step_index === calls[2]!.index)!;
      expect(cut.complete).toBe(false);
      expect(cut.body!.split('\n\n').filter((e) => e.startsWith('data:'))).toHaveLength(2);
      expect(injectedFaults).toEqual([
        {
          source: 'live',
          site: { model_call: 1 },
          step_index: calls[0]!.index,
          step_type: 'model_call',
          fault: { status: 429, retry_after_ms: 0 },
        },
        {
          source: 'live',
          site: { model_call: 3 },
          step_index: calls[2]!.index,
          step_type: 'model_call',
          fault: { cut_after_chunks: 2 },
        },
      ]);
      // The provider saw exactly the forwarded calls (2 and 3), each with the real key and model.
      expect(provider.seen.slice(before)).toEqual([
        { path: '/v1/chat/completions', authorization: `Bearer ${KEY}`, stream: false, model: 'provider-model-x' },
        { path: '/v1/chat/completions', authorization: `Bearer ${KEY}`, stream: true, model: 'provider-model-x' },
      ]);
      // The provider echoed the key; the lab redacted it though the caller named no secret.
      expect(JSON.stringify(trace)).toContain('[REDACTED]');
      expect(leaksOf(JSON.stringify({ event, trace }), [KEY])).toEqual([]);
    });

  it('a scenario with no live reply is forwarded whole under --live; the subject never holds the real key', async () => {
    const before = provider.seen.length;
    const scenario = Scenario.parse({
      ...threeCalls(tsSubject.id),
      id: 'plain',
      expected: null,
      model: { replies: [{ fault: { status: 500 } }] },
    });
    let key: string | undefined;
    const peek = defineSubject({ ...tsSubject, run: (ctx) => ((key = ctx.endpoint.apiKey), tsSubject.run!(ctx)) });
    const { event, injectedFaults } = await runWithFailureDetection(peek, scenario, { model: live });
    expect(event).toBeNull();
    expect(injectedFaults).toEqual([]);
    expect(key).toBe(LIVE_PROXY_API_KEY);
    expect(provider.seen.slice(before).map((s) => s.stream)).toEqual([false, true]);
  });

  it('a scripted answer amid live traffic comes from the script; a delayed live call is forwarded whole after its wait', async () => {
    const before = provider.seen.length;
    const scenario = Scenario.parse({
      ...threeCalls(tsSubject.id),
      id: 'scripted-then-delayed',
      expected: null,
      model: { replies: [{ content: 'scripted first' }, { live: true, fault: { delay_ms: 50 } }] },
    });
    const { event, trace, injectedFaults } = await runWithFailureDetection(tsSubject, scenario, { model: live });
    expect(event).toBeNull();
    expect(JSON.parse(trace.output!.text)).toEqual({ first: 'scripted first', streamed: 'upstream streamed answer' });
    expect(provider.seen.slice(before).map((s) => s.stream)).toEqual([true]);
    expect(injectedFaults).toEqual([
      {
        source: 'live',
        site: { model_call: 2 },
        step_index: modelCalls(trace)[1]!.index,
        step_type: 'model_call',
        fault: { delay_ms: 50 },
      },
    ]);
  });

  it('a live reply holds only a fault and times: an answer beside live: true is refused, naming the field', () => {
    const parsed = Scenario.safeParse({
      ...threeCalls(tsSubject.id),
      model: { replies: [{ live: true, content: 'scripted?', fault: { delay_ms: 1 } }] },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'model.replies.0.content',
        'a live reply is answered by the real endpoint: drop content, or drop live to script the answer',
      ],
    ]);
  });

  it('the scripted server refuses a live script: a fault of the scenario, exit 2', async () => {
    const server = await ScriptedModelServer.start();
    try {
      const error = await runWithFailureDetection(tsSubject, threeCalls(tsSubject.id), { model: server }).catch(
        (e: unknown) => e,
      );
      expect(ModelScriptError.isInstance(error) || error instanceof ModelScriptError).toBe(true);
      expect((error as ModelScriptError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(/reply #2 is live: only capture --live/);
    } finally {
      await server.close();
    }
  });

  it('capture: no stored byte, span, report or result holds the key; only loopback is contacted, by the lab and by the agent process; reproduced without --live, each run gets the same label', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-live-'));
    const connects: string[] = [];
    const onSocket = ({ socket }: { socket: Socket }) =>
      socket.once('connect', () => connects.push(`${socket.remoteAddress}:${socket.remotePort}`));
    diagnostics.subscribe('net.client.socket', onSocket as (message: unknown) => void);
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
    const before = provider.seen.length;
    // The agent's process records (and refuses beyond loopback) every connect and lookup it makes.
    const netRecord = path.join(dir, 'agent-net.ndjson');
    const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, NET_RECORD_FILE: process.env.NET_RECORD_FILE };
    process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --import ${path.join(ROOT, 'test/fixtures/net-recorder.mjs')}`;
    process.env.NET_RECORD_FILE = netRecord;
    const store = await openStore('files', { env: {}, dir });
    const ledger = await openLedger('files', { env: {}, dir });
    const subjects = new Map<string, Subject>([
      [tsSubject.id, tsSubject as Subject],
      [commandSubject.id, commandSubject],
    ]);
    try {
      const { results, summary } = await runCapture({
        scenarios: [...subjects.keys()].map((id) => ({ file: path.join(dir, `${id}.json`), scenario: threeCalls(id) })),
        subjects,
        store,
        model: live,
        tracer,
        recordReplies: true,
        ledger: { store: ledger, settings: ledgerSettingsFromEnv({}) },
        projectRoot: dir,
      });
      diagnostics.unsubscribe('net.client.socket', onSocket as (message: unknown) => void);
      restore(saved);
      const agentNet = (await readFile(netRecord, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; target: string; allowed: boolean });
      await rm(netRecord);
      expect(agentNet.some((r) => r.kind === 'start' && r.target.endsWith('agent.mjs'))).toBe(true);
      expect(agentNet.filter((r) => r.kind === 'connect').length).toBeGreaterThan(0);
      expect(agentNet.filter((r) => !r.allowed)).toEqual([]);
      expect(summary.live).toBe(true);
      expect(results.map((r) => [r.subject, r.detected, r.stored, r.retrieved])).toEqual([
        ['live-ts', 'exception', true, true],
        ['live-agent', 'exception', true, true],
      ]);
      // Two forwarded calls a run, and nothing else reached the provider.
      expect(provider.seen.length - before).toBe(4);
      expect(connects.length).toBeGreaterThan(0);
      expect(connects.filter((c) => !c.startsWith('127.0.0.1:'))).toEqual([]);

      // The HTML report of the build, beside the store, so its bytes are searched too.
      await writeHtmlReport(path.join(dir, 'report.html'), { store, ledger, buildId: summary.build_id });
      const everything = [
        JSON.stringify(results),
        JSON.stringify(summary),
        await readTree(dir),
        JSON.stringify(
          exporter
            .getFinishedSpans()
            .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
        ),
      ].join('\n');
      expect(everything).toContain('[REDACTED]');
      expect(leaksOf(everything, [KEY])).toEqual([]);

      // failures reproduce: the live replies become scripted ones, the injected faults stay faults.
      const failures = (await ledger.query({})).records;
      expect(failures.map((f) => f.lab.source)).toEqual(['run', 'run']);
      const server = await ScriptedModelServer.start();
      try {
        const stored = (await store.query({ limit: 500 })).records as TraceRecord[];
        for (const failure of failures) {
          const trace = stored.find((r) => r.trace_id === failure.lab.trace_id && 'steps' in r)!;
          const reproduced = Scenario.parse(reproduceScenario(failure, trace));
          expect(reproduced.model.replies).toEqual([
            { fault: { status: 429, retry_after_ms: 0 } },
            expect.objectContaining({ content: expect.stringMatching(/^upstream answer \d+$/) }),
            { content: 'upstream ', fault: { cut_after_chunks: 2 } },
          ]);
          const again = await runWithFailureDetection(subjects.get(trace.subject_id)!, reproduced, { model: server });
          expect(again.trace.run.mode).toBe('scripted');
          expect(again.event?.kind).toBe(trace.detected);
          expect(again.event?.kind === 'exception' && again.event.error.class).toBe(
            trace.failure?.kind === 'exception' && trace.failure.error.class,
          );
        }
      } finally {
        await server.close();
      }
    } finally {
      restore(saved);
      diagnostics.unsubscribe('net.client.socket', onSocket as (message: unknown) => void);
      await store.close();
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
