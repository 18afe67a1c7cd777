import OpenAI, { APIConnectionError, APIConnectionTimeoutError, InternalServerError, RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedReply } from '../../src/contracts/scenario.ts';
import { ModelScriptError } from '../../src/errors/model-script-error.ts';
import { type RequestLogEntry, ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
});

let n = 0;
/** Opens a session for a script and a real openai client pointed at it. */
function open(replies: ScriptedReply[], options: { maxRetries?: number; timeout?: number } = {}) {
  const session = server.open(scenario({ id: `s${++n}`, subject: 'x', model: { replies } }), `run-${n}`);
  const client = new OpenAI({
    baseURL: session.baseURL,
    apiKey: session.apiKey,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeout ?? 5000,
  });
  return { session, client, runId: `run-${n}` };
}

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: 'lab-model', messages: [{ role: 'user', content: 'hi' }] });

describe('ScriptedModelServer', () => {
  it('answers chat completions from the script, in order, byte-identical across runs', async () => {
    const { client, session } = open([{ content: 'first' }, { tool_calls: [{ name: 'lookup', arguments: { q: 1 } }] }]);
    const a = await ask(client);
    const b = await ask(client);
    expect(a.choices[0]?.message.content).toBe('first');
    expect(a.id).toBe('chatcmpl-scripted-1');
    expect(b.choices[0]?.finish_reason).toBe('tool_calls');
    expect(b.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: 'call_2_1',
      function: { name: 'lookup', arguments: '{"q":1}' },
    });
    session.close();
    const again = open([{ content: 'first' }]);
    expect(await ask(again.client)).toEqual(a);
    again.session.close();
  });

  it('streams SSE chunks that the openai client reassembles, with usage', async () => {
    const { client, session } = open([{ content: 'a streamed reply that spans several chunks' }]);
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'x' }],
    });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('a streamed reply that spans several chunks');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    session.close();
  });

  it('serves /v1/responses', async () => {
    const { client, session } = open([{ json: { ok: true } }]);
    const response = await client.responses.create({ model: 'm', input: 'x' });
    expect(response.output_text).toBe('{"ok":true}');
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    session.close();
  });

  it('injects an HTTP status with retry-after, which the SDK honours before giving up', async () => {
    const { client, session } = open([{ fault: { status: 429, retry_after_ms: 30 }, times: 2 }], { maxRetries: 1 });
    const started = performance.now();
    const error = await ask(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    session.close();
    const five = open([{ fault: { status: 500 } }]);
    expect(await ask(five.client).catch((e: unknown) => e)).toBeInstanceOf(InternalServerError);
    five.session.close();
  });

  it('delays a reply, and a client timeout shorter than the delay fails', async () => {
    const slow = open([{ content: 'late', fault: { delay_ms: 80 } }]);
    const started = performance.now();
    expect((await ask(slow.client)).choices[0]?.message.content).toBe('late');
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    slow.session.close();
    const tooSlow = open([{ content: 'late', fault: { delay_ms: 500 } }], { timeout: 50 });
    expect(await ask(tooSlow.client).catch((e: unknown) => e)).toBeInstanceOf(APIConnectionTimeoutError);
    tooSlow.session.close();
  });

  it('hangs until the client aborts, and records the abort', async () => {
    const { client, session, runId } = open([{ fault: { hang: true } }]);
    const started = new Promise<RequestLogEntry>((resolve) =>
      server.events.on('request-start', (e) => e.runId === runId && resolve(e)),
    );
    const ended = new Promise<RequestLogEntry>((resolve) =>
      server.events.on('request-end', (e) => e.runId === runId && resolve(e)),
    );
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    // Abort once the server holds the request, however long the machine takes to get it there.
    await started;
    controller.abort();
    expect(((await pending) as Error).constructor.name).toBe('APIUserAbortError');
    expect(await ended).toMatchObject({ aborted: true, completed: false });
    session.close();
  });

  it('sends a malformed body on request', async () => {
    const { client, session } = open([{ fault: { malformed: true } }]);
    expect(await ask(client).catch((e: unknown) => e)).toBeInstanceOf(SyntaxError);
    session.close();
  });

  it('cuts a stream mid-way', async () => {
    const { client, session } = open([{ content: 'x'.repeat(100), fault: { cut_after_chunks: 2 } }]);
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(100);
    session.close();
  });

  it('streams endlessly until the client goes away', async () => {
    const { client, session, runId } = open([{ fault: { endless: true } }]);
    const ended = new Promise<RequestLogEntry>((resolve) =>
      server.events.on('request-end', (e) => e.runId === runId && resolve(e)),
    );
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { signal: controller.signal },
    );
    let chunks = 0;
    // The SDK ends an aborted stream quietly; the server is the witness that it stopped.
    await (async () => {
      for await (const _chunk of stream) if (++chunks === 20) controller.abort();
    })().catch(() => {});
    expect(chunks).toBe(20);
    expect(await ended).toMatchObject({ aborted: true, completed: false });
    session.close();
  });

  it('reports an exhausted script as a lab fault, and refuses runs it does not know', async () => {
    const { client, session } = open([]);
    expect(await ask(client).catch((e: unknown) => e)).toBeInstanceOf(InternalServerError);
    expect(session.labFaults()).toEqual([
      'request #1 to /v1/chat/completions, but the model script has only 0 replies: add replies to model.replies in the scenario file',
    ]);
    session.close();
    const stale = new OpenAI({ baseURL: session.baseURL, apiKey: 'x', maxRetries: 0 });
    expect(await ask(stale).catch((e: unknown) => (e as { status?: number }).status)).toBe(404);
  });

  it('a reply it cannot take (nested 20,000 deep) is a lab fault at once, not a hang', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    // The script cannot even be handed to the server's thread: refused when the run opens, before
    // the subject starts, as the scenario's fault (exit 2).
    let refused: unknown;
    try {
      open([{ json: deep }]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ModelScriptError);
    expect((refused as Error).message).toMatch(/reply #1 could not be sent \(\w+Error: .*docs\/scenarios\.md/);
    // The server goes on serving other runs.
    const { client } = open([{ content: 'still here' }]);
    expect((await ask(client)).choices[0]?.message.content).toBe('still here');
  });

  it('closes hanging connections when the server closes', async () => {
    const other = await ScriptedModelServer.start();
    const session = other.open(
      scenario({ id: 'h', subject: 'x', model: { replies: [{ fault: { hang: true } }] } }),
      'h',
    );
    const client = new OpenAI({ baseURL: session.baseURL, apiKey: 'x', maxRetries: 0 });
    const started = new Promise<void>((resolve) => other.events.once('request-start', () => resolve()));
    const pending = ask(client).catch((e: unknown) => e);
    await started;
    await other.close();
    expect(await pending).toBeInstanceOf(APIConnectionError);
  });
});
