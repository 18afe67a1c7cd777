// Part: live runs. What the lab's live endpoint (docs/live.md) adds to a live run's model call:
// the same TypeScript subject straight to an OpenAI-compatible server (as --live did before the
// endpoint) and through the endpoint, and through it with a fault injected on a forwarded call.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { LiveEndpoint } from '../../src/model/live-endpoint.ts';
import type { ModelEndpoint } from '../../src/model/model-endpoint.ts';
import { defineSubject } from '../../src/subject/subject.ts';
import { type BenchContext, median, row } from './common.ts';

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'bench-model',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

export async function benchLive({ quick, rows }: BenchContext): Promise<void> {
  // The provider: a fixed answer at once, so what is measured is the lab's side.
  const provider = createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`;
  const env = { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: 'sk-bench-live-key', OPENAI_MODEL: 'bench-model' };
  const live = await LiveEndpoint.start(env);
  // Straight to the provider, with the real key in the client: --live before the endpoint.
  const direct: ModelEndpoint = {
    mode: 'live',
    open: () => ({
      baseURL,
      apiKey: env.OPENAI_API_KEY,
      model: env.OPENAI_MODEL,
      labFaults: () => [],
      close: () => {},
    }),
  };
  const subject = defineSubject({
    id: 'bench-live',
    description: 'One chat call.',
    inputSchema: z.unknown(),
    outputSchema: z.string(),
    async run({ client, model, signal }) {
      const r = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'hi' }] },
        { signal },
      );
      return r.choices[0]?.message.content ?? '';
    },
  });
  const plain = Scenario.parse({ id: 'bench-live', subject: subject.id, description: 'd', expected: null, input: {} });
  const faulted = Scenario.parse({
    ...plain,
    model: { replies: [{ live: true, fault: { delay_ms: 0 } }] },
  });
  const runOf = (model: ModelEndpoint, scenario: Scenario) => async () => {
    const { event } = await runWithFailureDetection(subject, scenario, { model });
    if (event) throw new Error(`bench-live: ${event.kind}, expected a pass`);
  };
  const sides = { direct: runOf(direct, plain), live: runOf(live, plain), faulted: runOf(live, faulted) };
  const n = quick ? 50 : 500;
  const times: Record<keyof typeof sides, number[]> = { direct: [], live: [], faulted: [] };
  try {
    for (let i = 0; i < Math.min(50, n); i++) for (const run of Object.values(sides)) await run(); // warm-up
    // Interleaved, so drift on a shared machine hits every side alike.
    for (let i = 0; i < n; i++)
      for (const [name, run] of Object.entries(sides) as [keyof typeof sides, () => Promise<void>][]) {
        const t = performance.now();
        await run();
        times[name].push(performance.now() - t);
      }
  } finally {
    await live.close();
    provider.closeAllConnections();
    await new Promise<void>((resolve) => provider.close(() => resolve()));
  }
  const base = median(times.direct);
  for (const [side, label] of [
    ['live', 'forwarded as it is'],
    ['faulted', 'forwarded with a fault (delay_ms 0) from a live script'],
  ] as const) {
    const lab = median(times[side]);
    rows.push(
      row({
        name: `a live run of one model call through the lab's live endpoint, ${label}, against the same call straight to the provider (median, n=${n})`,
        unit: 'ms',
        baseline: base,
        lab,
        note: `added ${((lab - base) * 1000).toFixed(0)} µs a call: the loopback hop, the forwarding fetch and the relay of the body`,
      }),
    );
  }
}
