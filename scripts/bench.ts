// npm run bench: the figures in BENCHMARKS.md, measured in one process.
//   1. The detection wrapper's added cost per run, against calling the subject directly.
//   2. capture's throughput against the same number of plain openai calls to the scripted server.
// Usage: npm run bench [-- --quick] [-- --only wrapper|capture]   (--quick: fewer iterations, for a smoke run)
import path from 'node:path';
import OpenAI from 'openai';
import { z } from 'zod';
import { runCapture } from '../src/capture/run-capture.ts';
import { Scenario } from '../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../src/model/scripted-server.ts';
import { loadScenarios } from '../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../src/scenario/load-subjects.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { defineSubject, type SubjectContext } from '../src/subject/subject.ts';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const want = (part: 'wrapper' | 'capture') => only === undefined || only === part;
const ROOT = path.resolve(import.meta.dirname, '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmtUs = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

/** Runs fn n times after a warm-up and returns each duration in ms. */
async function sample(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(500, n); i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const server = await ScriptedModelServer.start();
const rows: string[] = [];

// 1a. Wrapper cost on a subject that does no I/O: the pure overhead of detection and recording.
if (want('wrapper')) {
  const subject = defineSubject({
    id: 'constant',
    description: 'returns a constant',
    inputSchema: z.unknown(),
    outputSchema: z.strictObject({ answer: z.string() }),
    run: async () => ({ answer: 'forty-two' }),
  });
  const scenario = Scenario.parse({ id: 'bench-constant', subject: 'constant', description: 'd', expected: null, input: { q: 'x' } });
  const ctx = { input: {}, client: undefined as unknown as OpenAI, model: 'm', tools: undefined as never, signal: new AbortController().signal } satisfies SubjectContext<unknown>;
  const n = quick ? 2_000 : 20_000;
  // Interleaved so drift (GC, frequency scaling) hits both sides alike.
  const direct: number[] = [];
  const wrapped: number[] = [];
  for (let round = 0; round < 10; round++) {
    direct.push(...(await sample(n / 10, () => subject.run(ctx))));
    wrapped.push(...(await sample(n / 10, () => runWithFailureDetection(subject, scenario, { model: server }))));
  }
  const added = median(wrapped) - median(direct);
  rows.push(`| wrapper, subject without I/O (n=${n}) | direct ${fmtUs(median(direct))} | wrapped ${fmtUs(median(wrapped))} | added ${fmtUs(added)} | target <= 25 µs: ${added * 1000 <= 25 ? 'met' : 'NOT met'} |`);
}

// 1b. The same with one model call over HTTP: the share of a realistic run the wrapper takes.
if (want('wrapper')) {
  const subject = defineSubject({
    id: 'one-call',
    description: 'one chat completion',
    inputSchema: z.unknown(),
    outputSchema: z.strictObject({ text: z.string() }),
    async run({ client, model, signal }) {
      const c = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { signal });
      return { text: c.choices[0]?.message.content ?? '' };
    },
  });
  const scenario = Scenario.parse({ id: 'bench-one-call', subject: 'one-call', description: 'd', expected: null, input: {}, model: { replies: [{ content: 'hello' }] } });
  const n = quick ? 300 : 3_000;
  const direct: number[] = [];
  const wrapped: number[] = [];
  for (let round = 0; round < 10; round++) {
    direct.push(
      ...(await sample(n / 10, async () => {
        const session = server.open(scenario, crypto.randomUUID());
        const client = new OpenAI({ baseURL: session.baseURL, apiKey: session.apiKey, maxRetries: 0 });
        await subject.run({ input: {}, client, model: session.model, tools: undefined as never, signal: new AbortController().signal });
        session.close();
      })),
    );
    wrapped.push(...(await sample(n / 10, () => runWithFailureDetection(subject, scenario, { model: server }))));
  }
  const added = median(wrapped) - median(direct);
  rows.push(`| wrapper, one model call over HTTP (n=${n}) | direct ${fmtUs(median(direct))} | wrapped ${fmtUs(median(wrapped))} | added ${fmtUs(added)} | ratio ${(median(wrapped) / median(direct)).toFixed(2)} |`);
}

// 2. capture throughput against plain openai calls, both at concurrency 16.
if (want('capture')) {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  // Scenarios that wait on purpose (hangs, delays, retry-after) measure the wait, not the lab.
  const waits = (s: Scenario) =>
    s.model.replies.some((r) => r.fault?.hang || r.fault?.delay_ms || r.fault?.endless || r.fault?.retry_after_ms !== undefined) ||
    Object.values(s.tools).some((fixtures) => fixtures.some((f) => f.hang || f.delay_ms || f.busy_ms));
  const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter((l) => !waits(l.scenario));
  const repeat = quick ? 20 : 200;
  const callsPerRound = scenarios.reduce((sum, l) => sum + l.scenario.model.replies.reduce((n, r) => n + (r.times ?? 1), 0), 0);
  const concurrency = 16;

  const captureRun = async () => {
    const store = new MemoryStore();
    const t = performance.now();
    const { summary } = await runCapture({ scenarios, subjects, store, model: server, concurrency, repeat });
    if (summary.exit_code !== 0) throw new Error(`bench capture did not pass: ${JSON.stringify(summary)}`);
    return performance.now() - t;
  };
  const plainRun = async () => {
    const total = callsPerRound * repeat;
    const reply = Scenario.parse({ id: 'plain', subject: 'x', description: 'd', expected: null, input: {}, model: { replies: [{ content: 'a plain reply', times: total }] } });
    const session = server.open(reply, crypto.randomUUID());
    const client = new OpenAI({ baseURL: session.baseURL, apiKey: session.apiKey, maxRetries: 0 });
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < total) await client.chat.completions.create({ model: 'lab-model', messages: [{ role: 'user', content: 'hi' }] });
      }),
    );
    const ms = performance.now() - t;
    session.close();
    return ms;
  };
  // The same subjects called directly (a client per run, no wrapper, no store, outcome ignored):
  // what the subjects cost by themselves, so the lab's own share can be read off.
  const directRun = async () => {
    const jobs = scenarios.flatMap((l) => Array.from({ length: repeat }, () => l.scenario));
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs.length) {
          const scenario = jobs[next++]!;
          const session = server.open(scenario, crypto.randomUUID());
          const client = new OpenAI({ baseURL: session.baseURL, apiKey: session.apiKey, maxRetries: scenario.client.max_retries });
          const subject = subjects.get(scenario.subject)!;
          const tools = { definitions: (subject.tools ?? []).map((s) => ({ type: 'function' as const, function: { name: s.name, description: s.description, parameters: s.parameters } })), call: async (name: string, args: unknown) => subject.tools!.find((s) => s.name === name)!.run(args, { signal: new AbortController().signal }) };
          await subject.run({ input: scenario.input, client, model: session.model, tools, signal: new AbortController().signal }).catch(() => {});
          session.close();
        }
      }),
    );
    return performance.now() - t;
  };
  await captureRun();
  await plainRun();
  await directRun();
  const captureMs: number[] = [];
  const plainMs: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    captureMs.push(await captureRun());
    plainMs.push(await plainRun());
    directMs.push(await directRun());
  }
  const calls = callsPerRound * repeat;
  const rate = (ms: number[]) => calls / (median(ms) / 1000);
  const ratio = rate(captureMs) / rate(plainMs);
  rows.push(
    `| capture vs plain calls, concurrency ${concurrency} (${scenarios.length} scenarios x ${repeat} = ${scenarios.length * repeat} runs, ${calls} model calls) | plain ${rate(plainMs).toFixed(0)} calls/s | capture ${rate(captureMs).toFixed(0)} calls/s (${((scenarios.length * repeat) / (median(captureMs) / 1000)).toFixed(0)} runs/s) | ratio ${(ratio * 100).toFixed(0)}% | target >= 70%: ${ratio >= 0.7 ? 'met' : 'NOT met'} |`,
    `| capture vs the same subjects called directly, concurrency ${concurrency} | direct ${rate(directMs).toFixed(0)} calls/s | capture ${rate(captureMs).toFixed(0)} calls/s | ratio ${((rate(captureMs) / rate(directMs)) * 100).toFixed(0)}% | (the lab's own share) |`,
  );
}

await server.close();
console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores${quick ? ', --quick' : ''}\n`);
console.log('| measurement | baseline | lab | difference | target |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
