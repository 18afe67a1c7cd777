import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FailureEvent } from '../../src/contracts/failure-event.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { GroundingConfigError } from '../../src/errors/grounding-config-error.ts';
import { LabError } from '../../src/errors/lab-error.ts';
import { ModelScriptError } from '../../src/errors/model-script-error.ts';
import { type RequestLogEntry, ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
import { defineTool } from '../../src/subject/tool.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
});

const anyInput = z.unknown();

/** A subject that asks the model once and returns the reply text. */
const echo = defineSubject({
  id: 'echo',
  description: 'returns the model reply',
  inputSchema: anyInput,
  outputSchema: z.strictObject({ text: z.string() }),
  async run({ client, model, signal }) {
    const completion = await client.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'hi' }] },
      { signal },
    );
    return { text: completion.choices[0]?.message.content ?? '' };
  },
});

/** A subject whose run is given by the test. */
function subjectWith(run: Subject['run'], outputSchema: z.ZodType = z.unknown()): Subject {
  return { id: 'custom', description: 'test', inputSchema: anyInput, outputSchema, run };
}

const run = (
  subject: Subject<any, any>,
  fields: Parameters<typeof scenario>[0],
  extra: Partial<Parameters<typeof runWithFailureDetection>[2]> = {},
) => runWithFailureDetection(subject, scenario(fields), { model: server, ...extra });

describe('pass', () => {
  it('emits a full trace with no failure for a run that passes', async () => {
    const { event, trace } = await run(echo, { id: 'ok', subject: 'echo', model: { replies: [{ content: 'hello' }] } });
    expect(event).toBeNull();
    expect(trace.detected).toBeNull();
    expect(trace.failure_id).toBeNull();
    expect(TraceRecord.parse(trace)).toEqual(trace);
    expect(JSON.parse(trace.output!.text)).toEqual({ text: 'hello' });
    const [call, check] = trace.steps;
    expect(call).toMatchObject({
      type: 'model_call',
      status: 'ok',
      http_status: 200,
      model: 'lab-model',
      finish_reason: 'stop',
      api: 'chat.completions',
    });
    expect(call?.type === 'model_call' && call.usage?.output_tokens).toBeGreaterThan(0);
    expect(check).toMatchObject({ type: 'check', check: 'output_schema', passed: true });
  });
});

describe('timeout', () => {
  it('cuts off a hung model call at the deadline and really aborts the HTTP request', async () => {
    const ended: RequestLogEntry[] = [];
    const listener = (entry: RequestLogEntry) => ended.push(entry);
    server.events.on('request-end', listener);
    try {
      const { event, trace } = await run(echo, {
        id: 'hang',
        subject: 'echo',
        deadline_ms: 100,
        model: { replies: [{ fault: { hang: true } }] },
      });
      expect(event?.kind).toBe('timeout');
      expect(event?.kind === 'timeout' && event.timeout.source).toBe('deadline');
      expect(trace.steps[0]).toMatchObject({ type: 'model_call', status: 'aborted' });
      expect(trace.output).toBeNull();
      // The server saw the client close the connection: the request was cancelled, not abandoned.
      await expect
        .poll(() => ended.find((e) => e.runId === trace.trace_id), { timeout: 2000 })
        .toMatchObject({ aborted: true, completed: false });
    } finally {
      server.events.off('request-end', listener);
    }
  });

  it('classifies an overrun of synchronous work as a timeout, though it returned', async () => {
    const busy = subjectWith(async () => {
      const until = performance.now() + 400; // well over HELD_CPU_MS of CPU time even on a loaded machine
      while (performance.now() < until) {
        // Synchronous work nothing inline can interrupt.
      }
      return 'done';
    });
    const { event, trace } = await run(busy, { id: 'busy', subject: 'custom', deadline_ms: 40 });
    expect(event?.kind === 'timeout' && event.timeout.source).toBe('overrun');
    expect(trace.duration_ms).toBeGreaterThan(40);
    expect(trace.output?.text).toBe('done');
  });

  it("counts the openai client's own request timeout as a timeout", async () => {
    const { event } = await run(echo, {
      id: 'req-timeout',
      subject: 'echo',
      deadline_ms: 3000,
      client: { max_retries: 0, timeout_ms: 60 },
      model: { replies: [{ content: 'late', fault: { delay_ms: 1000 } }] },
    });
    expect(event?.kind).toBe('timeout');
    expect(event?.kind === 'timeout' && event.timeout.source).toBe('request_timeout');
    expect(event?.kind === 'timeout' && event.error?.class).toBe('APIConnectionTimeoutError');
  });

  it('gives a run that rejects after its deadline the timeout, not the exception (precedence)', async () => {
    const late = subjectWith(async () => {
      const until = performance.now() + 400; // well over HELD_CPU_MS of CPU time even on a loaded machine
      while (performance.now() < until) {
        // Block past the deadline, then fail.
      }
      throw new Error('failed late');
    });
    const { event } = await run(late, { id: 'late', subject: 'custom', deadline_ms: 30 });
    expect(event?.kind).toBe('timeout');
    expect(event?.kind === 'timeout' && event.error?.message).toBe('failed late');
  });
});

describe('exception', () => {
  it.each([
    ['a string', () => 'plain string', 'string', 'string'],
    ['undefined', () => undefined, 'undefined', 'undefined'],
    ['an object', () => ({ reason: 'object thrown', code: 'E_OBJ' }), 'object', 'Object'],
    ['null', () => null, 'null', 'null'],
  ])('normalizes a thrown non-Error value: %s', async (_name, make, thrown, cls) => {
    const throws = subjectWith(async () => {
      throw make();
    });
    const { event } = await run(throws, { id: 'throws', subject: 'custom' });
    expect(event?.kind).toBe('exception');
    expect(event?.kind === 'exception' && event.error).toMatchObject({ thrown, class: cls });
    FailureEvent.parse(event);
  });

  it.each([
    [
      'undefined',
      () => undefined,
      'exception: the run threw undefined instead of an Error, so there is no message or stack (a `throw undefined`, or a promise rejected with no reason)',
    ],
    [
      'null',
      () => null,
      'exception: the run threw null instead of an Error, so there is no message or stack (a `throw null`, or a promise rejected with null)',
    ],
    ['a string', () => 'plain string', 'exception: string: plain string'],
  ])('says what was thrown when the value has no message: %s', async (_name, make, message) => {
    const throws = subjectWith(async () => {
      throw make();
    });
    expect((await run(throws, { id: 'throws', subject: 'custom' })).event?.message).toBe(message);
  });

  it("shows an error's cause in the message, unless the message says it already", async () => {
    const wrapped = subjectWith(async () => {
      throw new Error('Failed to process successful response', { cause: new TypeError('terminated') });
    });
    expect((await run(wrapped, { id: 'wrapped', subject: 'custom' })).event?.message).toBe(
      'exception: Error: Failed to process successful response (cause: TypeError: terminated)',
    );
    const said = subjectWith(async () => {
      throw new Error('tool failed: terminated', { cause: new TypeError('terminated') });
    });
    expect((await run(said, { id: 'said', subject: 'custom' })).event?.message).toBe(
      'exception: Error: tool failed: terminated',
    );
  });

  it('keeps the stack and class of an Error, and a synchronous throw counts too', async () => {
    const throwsSync = subjectWith(((): Promise<unknown> => {
      throw new RangeError('out of range');
    }) as Subject['run']);
    const { event } = await run(throwsSync, { id: 'sync-throw', subject: 'custom' });
    expect(event?.kind === 'exception' && event.error).toMatchObject({
      class: 'RangeError',
      message: 'out of range',
      thrown: 'error',
    });
    expect(event?.kind === 'exception' && event.error.stack).toContain('RangeError: out of range');
  });

  it('keeps the openai error class (its .name is just "Error") and the HTTP status', async () => {
    const { event, trace } = await run(echo, {
      id: 'rate',
      subject: 'echo',
      client: { max_retries: 1 },
      model: { replies: [{ fault: { status: 429, retry_after_ms: 1 }, times: 2 }] },
    });
    expect(event?.kind === 'exception' && event.error).toMatchObject({
      class: 'RateLimitError',
      name: 'Error',
      status: 429,
    });
    // Each HTTP attempt is its own step: the retry is visible.
    expect(
      trace.steps.filter((s) => s.type === 'model_call').map((s) => s.type === 'model_call' && s.http_status),
    ).toEqual([429, 429]);
  });

  it('classifies a 500 as an InternalServerError exception', async () => {
    const { event } = await run(echo, {
      id: 'server-error',
      subject: 'echo',
      model: { replies: [{ fault: { status: 500 } }] },
    });
    expect(event?.kind === 'exception' && event.error.class).toBe('InternalServerError');
  });
});

describe('validation_error', () => {
  it("flags output that breaks the subject's output schema, with the issue path", async () => {
    const wrong = subjectWith(async () => ({ text: 42 }), z.strictObject({ text: z.string() }));
    const result = await run(wrong, { id: 'bad-output', subject: 'custom' });
    expect(result.event?.kind).toBe('validation_error');
    expect(result.event?.kind === 'validation_error' && result.event.validation).toMatchObject({
      source: 'output_schema',
      issues: [{ path: 'text', code: 'invalid_type' }],
    });
    expect(result.trace.steps.at(-1)).toMatchObject({ type: 'check', check: 'output_schema', passed: false });
    expect(result.event?.step_index).toBe(result.trace.steps.at(-1)?.index);
  });

  it("flags the ZodError openai's zod helper throws for schema-invalid model output", async () => {
    const Shape = z.object({ total: z.number() });
    const structured = subjectWith(async ({ client, model, signal }) => {
      const c = await client.chat.completions.parse(
        { model, messages: [{ role: 'user', content: 'x' }], response_format: zodResponseFormat(Shape, 'shape') },
        { signal },
      );
      return c.choices[0]?.message.parsed;
    });
    const { event } = await run(structured, {
      id: 'zod',
      subject: 'custom',
      model: { replies: [{ json: { total: 'many' } }] },
    });
    expect(event?.kind === 'validation_error' && event.validation).toMatchObject({
      source: 'model_output_schema',
      issues: [{ path: 'total' }],
    });
    expect(event?.kind === 'validation_error' && event.error?.class).toBe('ZodError');
  });
});

describe('hallucination_flag', () => {
  const tool = defineTool<{ q: string }>({
    name: 'lookup',
    description: 'd',
    parameters: { type: 'object' },
    run: () => ({ value: 7 }),
  });
  const agent = defineSubject({
    id: 'agent',
    description: 'calls what the model asks for, reports errors back',
    inputSchema: anyInput,
    outputSchema: z.strictObject({ answer: z.string(), cites: z.array(z.string()) }),
    tools: [tool],
    async run({ client, model, tools, signal }) {
      const first = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'q' }], tools: tools.definitions },
        { signal },
      );
      for (const call of first.choices[0]?.message.tool_calls ?? []) {
        if (call.type === 'function')
          await tools.call(call.function.name, JSON.parse(call.function.arguments), call.id).catch(() => null);
      }
      const second = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'q' }] },
        { signal },
      );
      return JSON.parse(second.choices[0]?.message.content ?? 'null');
    },
  });
  const input = { docs: [{ id: 'a', text: 'The value is 7.' }] };

  it('flags a citation of a document not in the context, with evidence', async () => {
    const { event } = await run(agent, {
      id: 'cite',
      subject: 'agent',
      input,
      model: { replies: [{ content: 'none' }, { json: { answer: 'It is 7.', cites: ['a', 'z'] } }] },
      grounding: [{ check: 'cited_ids_exist', output_path: 'cites[*]', context_path: 'docs[*].id' }],
    });
    expect(event?.kind === 'hallucination_flag' && event.grounding.flags).toEqual([
      {
        check: 'cited_ids_exist',
        path: 'cites[*]',
        claim: 'z',
        reason: expect.stringContaining('"z"'),
        known: ['a'],
        expected: null,
      },
    ]);
  });

  it('flags a tool the model called that the subject never declared', async () => {
    const { event, trace } = await run(agent, {
      id: 'undeclared',
      subject: 'agent',
      input,
      model: {
        replies: [
          { tool_calls: [{ name: 'delete_everything', arguments: {} }] },
          { json: { answer: 'done', cites: ['a'] } },
        ],
      },
      grounding: [{ check: 'declared_tools_only' }],
    });
    expect(event?.kind === 'hallucination_flag' && event.grounding.flags[0]).toMatchObject({
      check: 'declared_tools_only',
      claim: 'delete_everything',
      known: ['lookup'],
    });
    expect(trace.steps.find((s) => s.type === 'tool_call')).toMatchObject({
      tool: 'delete_everything',
      declared: false,
      status: 'error',
      error: { class: 'UnknownToolError' },
    });
  });

  it('flags a number absent from the sources and a value contradicting the ground truth; passes when both hold', async () => {
    const grounding = [
      {
        check: 'numbers_in_sources' as const,
        output_path: 'answer',
        source_paths: ['docs[*].text'],
        tool_results: true,
      },
      { check: 'ground_truth' as const, output_path: 'answer', equals: 'It is 7.' },
    ];
    const bad = await run(agent, {
      id: 'num',
      subject: 'agent',
      input,
      grounding,
      model: { replies: [{ content: 'none' }, { json: { answer: 'It is 8.', cites: ['a'] } }] },
    });
    expect(bad.event?.kind === 'hallucination_flag' && bad.event.grounding.flags.map((f) => f.check)).toEqual([
      'numbers_in_sources',
      'ground_truth',
    ]);
    const good = await run(agent, {
      id: 'num-ok',
      subject: 'agent',
      input,
      grounding,
      model: { replies: [{ content: 'none' }, { json: { answer: 'It is 7.', cites: ['a'] } }] },
    });
    expect(good.event).toBeNull();
    expect(good.trace.steps.filter((s) => s.type === 'check').map((s) => s.type === 'check' && s.passed)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('does not run grounding on output that already failed its schema (precedence)', async () => {
    const { event } = await run(agent, {
      id: 'both',
      subject: 'agent',
      input,
      model: { replies: [{ content: 'none' }, { json: { answer: 'It is 8.', cites: 'a' } }] },
      grounding: [{ check: 'numbers_in_sources', output_path: 'answer', source_paths: ['docs[*].text'] }],
    });
    expect(event?.kind).toBe('validation_error');
  });
});

describe('faults of the lab are thrown, never classified', () => {
  it('throws ModelScriptError when the script runs out', async () => {
    const error = await run(echo, { id: 'short-script', subject: 'echo', model: { replies: [] } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelScriptError);
    expect(LabError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/short-script.*request #1.*only 0 replies/);
  });

  it('throws ModelScriptError, not a timeout of the subject, when the server cannot build a reply', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const error = await run(echo, {
      id: 'deep-reply',
      subject: 'echo',
      deadline_ms: 60_000,
      model: { replies: [{ json: deep }] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelScriptError);
    expect((error as Error).message).toMatch(/deep-reply: reply #1 could not be sent \(RangeError/);
  });

  it('throws GroundingConfigError when a check points at sources that are not there', async () => {
    const error = await run(echo, {
      id: 'bad-grounding',
      subject: 'echo',
      model: { replies: [{ content: 'x' }] },
      grounding: [{ check: 'cited_ids_exist', output_path: 'text', context_path: 'nowhere[*]' }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroundingConfigError);
  });
});

describe('telemetry', () => {
  it('a script the endpoint refuses (a live reply without --live) still ends the run span, as a lab error', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const subject = defineSubject({
      id: 'refused',
      description: 'd',
      inputSchema: anyInput,
      outputSchema: z.unknown(),
      run: async () => 'never runs',
    });
    const error = await run(
      subject,
      { id: 'live-reply', subject: 'refused', model: { replies: [{ live: true }] } },
      { tracer: provider.getTracer('test') },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelScriptError);
    await provider.forceFlush();
    const [root, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect(root?.name).toBe('invoke_agent refused');
    expect(root?.attributes['error.type']).toBe('lab_error');
    expect(root?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('emits invoke_agent, chat and execute_tool spans with gen_ai attributes, and ERROR status on failure', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('test');
    const tool = defineTool({
      name: 'boom',
      description: 'd',
      parameters: { type: 'object' },
      run: () => {
        throw new Error('tool failed');
      },
    });
    const subject = defineSubject({
      id: 'traced',
      description: 'd',
      inputSchema: anyInput,
      outputSchema: z.unknown(),
      tools: [tool],
      async run({ client, model, tools, signal }) {
        await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }, { signal });
        return tools.call('boom', {}, 'call_1');
      },
    });
    const { trace } = await run(
      subject,
      { id: 'spans', subject: 'traced', model: { replies: [{ content: 'ok' }] } },
      { tracer },
    );
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const root = byName.get('invoke_agent traced')!;
    const chat = byName.get('chat lab-model')!;
    const toolSpan = byName.get('execute_tool boom')!;
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'traced',
      'lab.detected': 'exception',
      'error.type': 'Error',
    });
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'lab-model',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(toolSpan.attributes).toMatchObject({
      'gen_ai.tool.name': 'boom',
      'gen_ai.tool.call.id': 'call_1',
      'error.type': 'Error',
    });
    expect(toolSpan.events.map((e) => e.name)).toContain('exception');
    // The record carries the OTel ids, and children hang under the run span.
    expect(trace.otel).toEqual({ trace_id: root.spanContext().traceId, span_id: root.spanContext().spanId });
    expect(chat.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(trace.steps[0]?.span_id).toBe(chat.spanContext().spanId);
    await provider.shutdown();
  });
});

describe('secrets', () => {
  it('redacts a secret from errors, outputs and tool arguments in the trace', async () => {
    const secret = 'sk-test-CANARY-0123456789';
    const tool = defineTool<{ key: string }>({
      name: 'use_key',
      description: 'd',
      parameters: { type: 'object' },
      run: ({ key }) => ({ echoed: key }),
    });
    const leaky = defineSubject({
      id: 'leaky',
      description: 'd',
      inputSchema: anyInput,
      outputSchema: z.unknown(),
      tools: [tool],
      async run({ tools }) {
        await tools.call('use_key', { key: secret });
        throw new Error(`auth failed with key ${secret}`);
      },
    });
    const { trace } = await run(leaky, { id: 'leak', subject: 'leaky' }, { secrets: [secret] });
    const text = JSON.stringify(trace);
    expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });

  it('redacts a secret from recovery steps: target, step name, fallback path and reason', async () => {
    const secret = 'sk-RecoveryZqWvXyKp';
    const healer = defineSubject({
      id: 'healer',
      description: 'd',
      inputSchema: anyInput,
      outputSchema: z.unknown(),
      async run({ recovery }) {
        recovery.escalate(`vault ${secret}`, `the key ${secret} was refused`, { key: secret });
        return recovery.fallback(
          { primary: `service ${secret}`, type: 'cache', id: `cache:${secret}`, name: secret },
          () => {
            throw new Error(`refused ${secret}`);
          },
          () => 'cached',
        );
      },
    });
    const { trace, related } = await run(healer, { id: 'heal', subject: 'healer' }, { secrets: [secret] });
    expect(trace.steps.filter((s) => s.type === 'recovery')).toHaveLength(2);
    const text = JSON.stringify({ trace, related });
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(secret.slice(0, 8));
  });

  it('keeps no secret in a replay (--record-replies): scenario, JSON and streamed exchanges, tool results, a parse error', async () => {
    // A quote and a backslash (JSON escapes them), and characters that occur nowhere else in a record.
    const quoted = 'sk-QuZ"Wv\\Tx-KpYqRmWz';
    const streamed = 'sk-StreamZqWvXyKpRtQz';
    const leading = 'sk-LeadQzWvXyKpRtZq';
    const tool = defineTool<{ key: string }>({
      name: 'use_key',
      description: 'd',
      parameters: { type: 'object' },
      run: ({ key }) => ({ echoed: key }),
    });
    const leaky = defineSubject({
      id: 'leaky',
      description: 'd',
      inputSchema: anyInput,
      outputSchema: z.unknown(),
      tools: [tool],
      async run({ client, model, tools, signal }) {
        await client.chat.completions.create({ model, messages: [{ role: 'user', content: quoted }] }, { signal });
        const stream = await client.chat.completions.create(
          { model, stream: true, messages: [{ role: 'user', content: 'go' }] },
          { signal },
        );
        for await (const _ of stream);
        await tools.call('use_key', { key: quoted }, 'call_1');
        const reply = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'go' }] });
        return JSON.parse(reply.choices[0]?.message.content ?? '');
      },
    });
    const { trace } = await run(
      leaky,
      {
        id: 'leak-replay',
        subject: 'leaky',
        input: { key: quoted },
        model: {
          replies: [
            { content: `echo ${quoted}` },
            { content: `Here it is, split into chunks: ${streamed} and ${quoted}.` },
            { content: `${leading} is not JSON` },
          ],
        },
      },
      { secrets: [quoted, streamed, leading], recordReplies: true },
    );
    expect(trace.detected).toBe('exception');
    expect(trace.failure?.message).toContain('is not valid JSON');
    expect(trace.replay?.exchanges).toHaveLength(3);
    const text = JSON.stringify(trace);
    expect(text).toContain('[REDACTED]');
    for (const secret of [quoted, streamed, leading])
      for (let form = secret, depth = 0; depth < 3; depth++, form = JSON.stringify(form).slice(1, -1))
        // No 8 characters in a row of any form: not whole, not its start, not a piece of a chunk.
        for (let i = 0; i + 8 <= form.length; i++) expect(text).not.toContain(form.slice(i, i + 8));
  });
});

describe('determinism', () => {
  it('gives the same record twice apart from ids, timestamps and measured durations', async () => {
    const { normalizeRecord } = await import('../helpers/normalize.ts');
    const fields = { id: 'det', subject: 'echo', model: { replies: [{ content: 'same' }] } };
    const a = await run(echo, fields);
    const b = await run(echo, fields);
    expect(a.trace.trace_id).not.toBe(b.trace.trace_id);
    expect(normalizeRecord(a.trace)).toEqual(normalizeRecord(b.trace));
  });
});
