// Part 1: the detection wrapper's added cost per run, against calling the subject directly.
import OpenAI from 'openai';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { defineSubject, type SubjectContext } from '../../src/subject/subject.ts';
import { type BenchContext, median, row, sample } from './common.ts';

export async function benchWrapper({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  // 1a. Wrapper cost on a subject that does no I/O: the pure overhead of detection and recording.
  {
    const subject = defineSubject({
      id: 'constant',
      description: 'returns a constant',
      inputSchema: z.unknown(),
      outputSchema: z.strictObject({ answer: z.string() }),
      run: async () => ({ answer: 'forty-two' }),
    });
    const scenario = Scenario.parse({
      id: 'bench-constant',
      subject: 'constant',
      description: 'd',
      expected: null,
      input: { q: 'x' },
    });
    const ctx = {
      input: {},
      client: undefined as unknown as OpenAI,
      model: 'm',
      tools: undefined as never,
      signal: new AbortController().signal,
      recovery: undefined as never,
      endpoint: undefined as never,
      parseModelOutput: undefined as never,
      setAgent: () => {},
      mcp: {},
    } satisfies SubjectContext<unknown>;
    const n = quick ? 2_000 : 20_000;
    // Interleaved so drift (GC, frequency scaling) hits both sides alike.
    const direct: number[] = [];
    const wrapped: number[] = [];
    for (let round = 0; round < 10; round++) {
      direct.push(...(await sample(n / 10, () => subject.run!(ctx))));
      wrapped.push(...(await sample(n / 10, () => runWithFailureDetection(subject, scenario, { model: server }))));
    }
    const added = median(wrapped) - median(direct);
    rows.push(
      row({
        name: `wrapper, subject without I/O: direct call against runWithFailureDetection (median, n=${n})`,
        unit: 'µs',
        baseline: median(direct) * 1000,
        lab: median(wrapped) * 1000,
        target: { on: 'added', op: '<=', value: 25, unit: 'µs' },
        note: `added ${(added * 1000).toFixed(1)} µs a run`,
      }),
    );
  }

  // 1b. The same with one model call over HTTP: the share of a realistic run the wrapper takes.
  {
    const subject = defineSubject({
      id: 'one-call',
      description: 'one chat completion',
      inputSchema: z.unknown(),
      outputSchema: z.strictObject({ text: z.string() }),
      async run({ client, model, signal }) {
        const c = await client.chat.completions.create(
          { model, messages: [{ role: 'user', content: 'hi' }] },
          { signal },
        );
        return { text: c.choices[0]?.message.content ?? '' };
      },
    });
    const scenario = Scenario.parse({
      id: 'bench-one-call',
      subject: 'one-call',
      description: 'd',
      expected: null,
      input: {},
      model: { replies: [{ content: 'hello' }] },
    });
    const n = quick ? 300 : 3_000;
    const direct: number[] = [];
    const wrapped: number[] = [];
    for (let round = 0; round < 10; round++) {
      direct.push(
        ...(await sample(n / 10, async () => {
          const session = server.open(scenario, crypto.randomUUID());
          const client = new OpenAI({ baseURL: session.baseURL, apiKey: session.apiKey, maxRetries: 0 });
          await subject.run!({
            input: {},
            client,
            model: session.model,
            tools: undefined as never,
            signal: new AbortController().signal,
            recovery: undefined as never,
            endpoint: undefined as never,
            parseModelOutput: undefined as never,
            setAgent: () => {},
            mcp: {},
          });
          session.close();
        })),
      );
      wrapped.push(...(await sample(n / 10, () => runWithFailureDetection(subject, scenario, { model: server }))));
    }
    const added = median(wrapped) - median(direct);
    rows.push(
      row({
        name: `wrapper, one model call over HTTP (median, n=${n})`,
        unit: 'µs',
        baseline: median(direct) * 1000,
        lab: median(wrapped) * 1000,
        note: `added ${(added * 1000).toFixed(0)} µs a run`,
      }),
    );
  }
}
