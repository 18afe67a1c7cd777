import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
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

const Reply = z.strictObject({ n: z.number() });
const subject = (id: string, run: Subject['run'], tools: Subject['tools'] = []): Subject =>
  defineSubject({ id, description: id, inputSchema: z.unknown(), outputSchema: z.unknown(), tools, run });
const detect = async (s: Subject, replies: object[] = [], tools: Record<string, object[]> = {}) =>
  (
    await runWithFailureDetection(s, scenario({ id: 'z', subject: s.id, model: { replies }, tools: tools as never }), {
      model: server,
    })
  ).event;

describe('where a ZodError came from decides its source and message, never its kind', () => {
  it("openai's zod helpers (chat.completions.parse): the model's structured output", async () => {
    const s = subject(
      'parse',
      async ({ client, model, signal }) =>
        (
          await client.chat.completions.parse(
            { model, messages: [], response_format: zodResponseFormat(Reply, 'r') },
            { signal },
          )
        ).choices[0]?.message.parsed,
    );
    const event = await detect(s, [{ json: { n: 'seven' } }]);
    expect(event).toMatchObject({
      kind: 'validation_error',
      validation: { source: 'model_output_schema', issues: [{ path: 'n' }] },
    });
    expect(event?.message).toMatch(/^validation_error: the model's structured output breaks its schema at n: /);
  });

  it("ctx.parseModelOutput, for a reply the subject reads itself: the model's structured output", async () => {
    const s = subject('json-mode', async ({ client, model, signal, parseModelOutput }) => {
      const completion = await client.chat.completions.create(
        { model, messages: [], response_format: { type: 'json_object' } },
        { signal },
      );
      return parseModelOutput(Reply, JSON.parse(completion.choices[0]?.message.content ?? 'null'));
    });
    expect(await detect(s, [{ json: { n: 'seven' } }])).toMatchObject({
      kind: 'validation_error',
      validation: { source: 'model_output_schema' },
    });
  });

  it("the same parse in the subject's own code: the model's output, told from the recorded reply (issue 19)", async () => {
    const s = subject('own-parse', async ({ client, model, signal }) => {
      const completion = await client.chat.completions.create({ model, messages: [] }, { signal });
      return Reply.parse(JSON.parse(completion.choices[0]?.message.content ?? 'null'));
    });
    const event = await detect(s, [{ json: { n: 'seven' } }]);
    expect(event).toMatchObject({ kind: 'validation_error', validation: { source: 'model_output_schema' } });
    expect(event?.message).toContain("the model's structured output, as the subject parsed it");
    expect(event?.taxonomy.trail).not.toBeNull();
  });

  it('a reply the subject reshapes before its own parse: its own check, said as such', async () => {
    const s = subject('own-reshape', async ({ client, model, signal }) => {
      const completion = await client.chat.completions.create({ model, messages: [] }, { signal });
      return z.object({ reply: Reply }).parse({ reply: JSON.parse(completion.choices[0]?.message.content ?? 'null') });
    });
    const event = await detect(s, [{ json: { n: 'seven' } }]);
    expect(event).toMatchObject({ kind: 'validation_error', validation: { source: 'subject_schema' } });
    expect(event?.message).toContain("a value the subject's own code checked (not the model's structured output)");
  });

  it('a config parsed by the subject: its own check', async () => {
    const s = subject('config', async () => z.strictObject({ retries: z.int() }).parse({ retries: 'many' }));
    expect(await detect(s)).toMatchObject({
      kind: 'validation_error',
      validation: { source: 'subject_schema', issues: [{ path: 'retries' }] },
    });
  });

  it('a schema inside a tool: the tool, named in the message', async () => {
    const strict = defineTool<unknown>({
      name: 'strict_tool',
      description: 't',
      parameters: { type: 'object' },
      run: (args) => z.strictObject({ id: z.string() }).parse(args),
    });
    const s = subject('tool-parse', async ({ tools }) => tools.call('strict_tool', { id: 7 }), [strict]);
    const event = await detect(s);
    expect(event).toMatchObject({ kind: 'validation_error', validation: { source: 'tool_schema' } });
    expect(event?.message).toContain('a value inside the tool strict_tool');
  });
});

describe('the one timeout rule', () => {
  it("the openai client's request timeout, and an AbortSignal.timeout that fired, are request timeouts; an abort of the subject's own is an exception", async () => {
    const openaiTimeout = subject('openai-timeout', async ({ client, model, signal }) =>
      client.chat.completions.create({ model, messages: [] }, { signal, timeout: 50 }),
    );
    expect(await detect(openaiTimeout, [{ content: 'late', fault: { delay_ms: 2000 } }])).toMatchObject({
      kind: 'timeout',
      timeout: { source: 'request_timeout' },
      error: { class: 'APIConnectionTimeoutError' },
    });
    const signalTimeout = subject('signal-timeout', async () => {
      await new Promise((_, reject) =>
        AbortSignal.timeout(20).addEventListener('abort', function (this: AbortSignal) {
          reject(this.reason);
        }),
      );
    });
    expect(await detect(signalTimeout)).toMatchObject({
      kind: 'timeout',
      timeout: { source: 'request_timeout' },
      error: { name: 'TimeoutError' },
    });
    const ownAbort = subject('own-abort', async () => {
      const controller = new AbortController();
      controller.abort();
      controller.signal.throwIfAborted();
    });
    expect(await detect(ownAbort)).toMatchObject({ kind: 'exception', error: { name: 'AbortError' } });
  });
});
