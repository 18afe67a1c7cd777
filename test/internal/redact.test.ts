import { describe, expect, it } from 'vitest';
import { PREVIEW_MAX_CHARS } from '../../src/contracts/common.ts';
import { summarizeModelResponse } from '../../src/execute/model-response.ts';
import { preview, previewText } from '../../src/internal/preview.ts';
import { createRedactor, IDENTIFYING_PREFIX, REDACTED, redactedCopy } from '../../src/internal/redact.ts';
import { redactStream } from '../../src/internal/redact-stream.ts';
import { errorInfo } from '../../src/internal/to-error.ts';

/** A secret with a quote and a backslash, which JSON escapes. */
const QUOTED = 'sk-QuZ"Wv\\Tx-KpYqRm';
const PLAIN = 'sk-plainZqWvXy-KpRt';
const redact = createRedactor([QUOTED, PLAIN]);

/** Every run of `n` characters of a text. */
const windows = (text: string, n: number) =>
  Array.from({ length: text.length - n + 1 }, (_, i) => text.slice(i, i + n));

describe('createRedactor', () => {
  it('matches a secret with " or \\ as it is and as JSON escaped it, once, twice and three times', () => {
    let text = `key ${QUOTED} end`;
    for (let depth = 0; depth <= 3; depth++) {
      const out = redact(text);
      expect(out).not.toContain(QUOTED);
      expect(out).not.toContain(JSON.stringify(QUOTED).slice(1, -1));
      expect(out).toContain(REDACTED);
      text = JSON.stringify({ body: text });
    }
    // What JSON escaped is still valid JSON once redacted.
    expect(JSON.parse(redact(JSON.stringify({ k: `a ${QUOTED} b` })))).toEqual({ k: `a ${REDACTED} b` });
  });

  it('matches a secret whose non-ASCII characters were written as \\u escapes', () => {
    const secret = 'clé-sécrète-ünïcode';
    const ascii = JSON.stringify(secret).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(createRedactor([secret])(`{"k":${ascii}}`)).toBe(`{"k":"${REDACTED}"}`);
  });

  it(`redacts any start of a secret at least ${IDENTIFYING_PREFIX} characters long, and no shorter one`, () => {
    // V8 quotes the first 10 characters of text that is not JSON.
    let parseError: Error | undefined;
    try {
      JSON.parse(`${PLAIN} is not JSON`);
    } catch (error) {
      parseError = error as Error;
    }
    expect(parseError?.message).toContain(PLAIN.slice(0, 10));
    expect(errorInfo(parseError, redact).message).not.toContain(PLAIN.slice(0, IDENTIFYING_PREFIX));
    expect(redact(`cut at ${PLAIN.slice(0, IDENTIFYING_PREFIX)}`)).toBe(`cut at ${REDACTED}`);
    expect(redact(`${PLAIN.slice(0, 12)}zzz`)).toBe(`${REDACTED}zzz`);
    const short = PLAIN.slice(0, IDENTIFYING_PREFIX - 1);
    expect(redact(`cut at ${short}`)).toBe(`cut at ${short}`);
  });

  it('redacts values before they are serialized: strings, keys, nested and cyclic values', () => {
    const value: Record<string, unknown> = { [PLAIN]: 1, list: [`x ${QUOTED}`], deep: { error: new Error(QUOTED) } };
    value.self = value;
    const copy = redactedCopy(value, redact);
    const text = JSON.stringify(copy);
    for (const secret of [PLAIN, QUOTED, JSON.stringify(QUOTED).slice(1, -1)]) expect(text).not.toContain(secret);
    expect(copy).toMatchObject({ [REDACTED]: 1, list: [`x ${REDACTED}`], self: '[Circular]' });
    expect(preview({ k: QUOTED }, redact).text).toBe(`{"k":"${REDACTED}"}`);
  });

  it('redacts a preview whole before cutting it, so the cut leaves no start of a secret', () => {
    for (let shift = 1; shift < PLAIN.length; shift++) {
      const text = 'x'.repeat(PREVIEW_MAX_CHARS - shift) + PLAIN;
      expect(previewText(text, redact).text).not.toContain(PLAIN.slice(0, Math.min(shift, IDENTIFYING_PREFIX)));
    }
  });
});

/** A chat.completions stream as the scripted server sends it: 16 characters of content a chunk. */
function sse(content: string, toolArgs: string[] = []): string {
  const chunk = (delta: object) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
  let body = chunk({ role: 'assistant', content: '' });
  for (let i = 0; i < content.length; i += 16) body += chunk({ content: content.slice(i, i + 16) });
  // Tool call arguments interleaved call by call, 7 characters at a time.
  const longest = Math.max(0, ...toolArgs.map((a) => a.length));
  for (let i = 0; i < longest; i += 7)
    toolArgs.forEach((args, index) => {
      if (i < args.length) body += chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 7) } }] });
    });
  return `${body}data: [DONE]\n\n`;
}

describe('redactStream', () => {
  it('redacts a secret split across chunks as the reassembled stream, leaving no piece of it in any chunk', () => {
    const content = `Your key is ${QUOTED} and the other ${PLAIN}, keep them.`;
    const args = [JSON.stringify({ key: PLAIN }), JSON.stringify({ other: QUOTED })];
    const body = sse(content, args);
    // No chunk holds a secret whole: redacting chunk by chunk leaves both.
    expect(body).not.toContain(PLAIN);
    expect(redact(body)).toBe(body);

    const out = redactStream(body, redact);
    const summary = summarizeModelResponse(out, 'text/event-stream')!;
    expect(summary.text).toBe(`Your key is ${REDACTED} and the other ${REDACTED}, keep them.`);
    expect(summary.toolCalls.map((c) => JSON.parse(c.arguments))).toEqual([{ key: REDACTED }, { other: REDACTED }]);
    // The events keep their number (a replay cuts a stream at a chunk).
    expect(out.split('\n').filter((l) => l.startsWith('data:'))).toHaveLength(
      body.split('\n').filter((l) => l.startsWith('data:')).length,
    );
    // Every piece of each secret is gone: no run of 4 of its characters is left (these never occur otherwise).
    for (const secret of [PLAIN, QUOTED, JSON.stringify(QUOTED).slice(1, -1)])
      for (const piece of windows(secret.slice(3), 4)) expect(out).not.toContain(piece);
  });

  it('joins a Responses API stream per output item, however the items interleave', () => {
    const items = [`first ${PLAIN} done`, `second ${QUOTED} done`];
    let body = '';
    for (let i = 0; i < 40; i += 5)
      items.forEach((text, output_index) => {
        if (i < text.length)
          body += `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', item_id: `msg_${output_index}`, output_index, content_index: 0, delta: text.slice(i, i + 5) })}\n\n`;
      });
    const out = redactStream(body, redact);
    const texts = ['', ''];
    for (const line of out.split('\n').filter((l) => l.startsWith('data:'))) {
      const event = JSON.parse(line.slice(5)) as { output_index: 0 | 1; delta: string };
      texts[event.output_index] += event.delta;
    }
    expect(texts).toEqual([`first ${REDACTED} done`, `second ${REDACTED} done`]);
  });

  it('leaves a stream without secrets byte for byte', () => {
    const body = sse('nothing to hide here, at all', ['{"a":1}']);
    expect(redactStream(body, redact)).toBe(body);
  });
});
