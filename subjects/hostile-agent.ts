import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineSubject, defineTool } from '../src/subject/index.ts';

/** The ways this subject misbehaves, chosen by the scenario's input. */
const Behavior = z.enum([
  'throw-string',
  'throw-undefined',
  'throw-object',
  'reject-after-deadline',
  'background-rejection',
  'enormous-output',
  'cyclic-output',
  'bigint-output',
  'sync-infinite-loop',
  'heap-exhaustion',
  'process-exit',
  'leak-secrets',
]);

const echo = defineTool<{ text: string }>({
  name: 'echo',
  description: 'Returns its text.',
  parameters: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
    additionalProperties: false,
  },
  run: ({ text }) => ({ text }),
});

/** Secrets from the environment the lab must keep out of everything it writes. */
function plantedSecrets(): string[] {
  const listed = (process.env.LAB_REDACT ?? '').split(',').map((s) => s.trim());
  return [process.env.OPENAI_API_KEY, process.env.COSMOS_KEY, ...listed].filter((s): s is string => Boolean(s));
}

/**
 * Code that misbehaves on purpose, one behaviour per scenario: non-Error throws, late rejections,
 * background rejections, enormous or unserializable output, a synchronous infinite loop, heap
 * exhaustion, process.exit(), secrets in errors. The lab must classify each and keep working.
 */
export default defineSubject({
  id: 'hostile-agent',
  description:
    'Misbehaves on purpose as its input says: non-Error throws, infinite loops, heap exhaustion, process.exit, leaked secrets.',
  inputSchema: z.strictObject({ behavior: Behavior, delay_ms: z.int().nonnegative().optional() }),
  outputSchema: z.object({ kind: z.string(), value: z.unknown(), count: z.number().optional() }),
  tools: [echo],
  toolsCalledBy: 'subject',
  async run({ input, client, model, tools, signal }) {
    switch (input.behavior) {
      case 'throw-string':
        throw 'the agent threw a string';
      case 'throw-undefined':
        throw undefined;
      case 'throw-object':
        throw { reason: 'the agent threw a plain object', retryable: false };
      case 'reject-after-deadline':
        // Ignores its abort signal on purpose and fails long after the deadline.
        await sleep(input.delay_ms ?? 400);
        throw new Error('failed after the deadline had passed');
      case 'background-rejection': {
        void Promise.reject(new Error('a background task failed and nobody awaited it'));
        return { kind: 'background', value: 'returned as if all was well' };
      }
      case 'enormous-output':
        return { kind: 'enormous', value: 'x'.repeat(5 * 1024 * 1024) };
      case 'cyclic-output': {
        const node: Record<string, unknown> = { name: 'root' };
        node.self = node;
        return { kind: 'cyclic', value: node };
      }
      case 'bigint-output':
        return { kind: 'bigint', value: 'counted', count: 12345678901234567890n };
      case 'sync-infinite-loop':
        for (;;) {
          // Never yields: only terminating its thread ends this.
        }
      case 'heap-exhaustion': {
        const hoard: number[][] = [];
        for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => i));
      }
      case 'process-exit':
        process.exit(3);
      case 'leak-secrets': {
        // Plants every known secret in a model request, a tool argument, and the error it throws;
        // reads a streamed reply (the scenario's keys, 16 characters a chunk) and a reply that is
        // not JSON and starts with a key, whose parse error quotes the key's first characters.
        const secrets = plantedSecrets().join(' ') || 'no-secret-configured';
        await client.chat.completions.create(
          { model, messages: [{ role: 'user', content: `my credentials are ${secrets}` }] },
          { signal },
        );
        const stream = await client.chat.completions.create(
          { model, stream: true, messages: [{ role: 'user', content: 'repeat my key' }] },
          { signal },
        );
        for await (const _chunk of stream);
        await tools.call('echo', { text: secrets }, 'call_leak');
        const reply = await client.chat.completions.create(
          { model, messages: [{ role: 'user', content: 'answer in JSON' }] },
          { signal },
        );
        try {
          JSON.parse(reply.choices[0]?.message.content ?? '');
        } catch (error) {
          throw new Error(
            `request failed: Authorization: Bearer ${secrets}; the reply did not parse: ${(error as Error).message}`,
            { cause: error },
          );
        }
        throw new Error(`request failed: Authorization: Bearer ${secrets}`);
      }
    }
  },
});
