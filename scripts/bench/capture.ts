// Part 2: capture's throughput against the same number of plain openai calls, and against the
// same subjects called directly.
import path from 'node:path';
import OpenAI from 'openai';
import { RecoveryKit } from '../../src/recovery/recovery-kit.ts';
import { runCapture } from '../../src/capture/run-capture.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { type BenchContext, median, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function benchCapture({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  // 2. capture throughput against plain openai calls, both at concurrency 16.
  {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    // Scenarios that wait on purpose (hangs, delays, retry-after) measure the wait, not the lab.
    // The hostile subject's enormous output would measure string copying, not the lab. Worker runs
    // are measured by the isolation part: here capture and the direct calls both run inline.
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      (l) => !waitsOnPurpose(l.scenario) && l.scenario.subject !== 'hostile-agent' && l.scenario.isolation !== 'worker',
    );
    const repeat = quick ? 20 : 200;
    const callsPerRound = scenarios.reduce(
      (sum, l) => sum + l.scenario.model.replies.reduce((n, r) => n + (r.times ?? 1), 0),
      0,
    );
    const concurrency = 16;

    const captureRun = async () => {
      const store = new MemoryStore();
      const t = performance.now();
      const { summary } = await runCapture({
        scenarios,
        subjects,
        store,
        model: server,
        concurrency,
        repeat,
        keepResults: false,
      });
      if (summary.exit_code !== 0) throw new Error(`bench capture did not pass: ${JSON.stringify(summary)}`);
      return performance.now() - t;
    };
    const plainRun = async () => {
      const total = callsPerRound * repeat;
      const reply = Scenario.parse({
        id: 'plain',
        subject: 'x',
        description: 'd',
        expected: null,
        input: {},
        model: { replies: [{ content: 'a plain reply', times: total }] },
      });
      const session = server.open(reply, crypto.randomUUID());
      const client = new OpenAI({ baseURL: session.baseURL, apiKey: session.apiKey, maxRetries: 0 });
      let next = 0;
      const t = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < total)
            await client.chat.completions.create({ model: 'lab-model', messages: [{ role: 'user', content: 'hi' }] });
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
            const client = new OpenAI({
              baseURL: session.baseURL,
              apiKey: session.apiKey,
              maxRetries: scenario.client.max_retries,
            });
            const subject = subjects.get(scenario.subject)!;
            const tools = {
              definitions: (subject.tools ?? []).map((s) => ({
                type: 'function' as const,
                function: { name: s.name, description: s.description, parameters: s.parameters },
              })),
              call: async (name: string, args: unknown) =>
                subject.tools!.find((s) => s.name === name)!.run(args, { signal: new AbortController().signal }),
            };
            const signal = new AbortController().signal;
            await subject.run!({
              input: scenario.input,
              client,
              model: session.model,
              tools,
              signal,
              recovery: new RecoveryKit({ log: null, signal }),
              endpoint: { baseURL: session.baseURL, apiKey: session.apiKey, fetch },
              parseModelOutput: (schema, value) => schema.parse(value),
              setAgent: () => {},
              mcp: {},
            }).catch(() => {});
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
    const runs = scenarios.length * repeat;
    const runRate = (ms: number[]) => runs / (median(ms) / 1000);
    rows.push(
      row({
        name: `capture ÷ the same subjects called directly, concurrency ${concurrency}, derived records stored (${scenarios.length} scenarios × ${repeat} = ${runs} runs, median of ${captureMs.length})`,
        unit: 'runs/s',
        baseline: runRate(directMs),
        lab: runRate(captureMs),
        target: { on: 'ratio', op: '>=', value: 0.8 },
        note: 'capture: detection, recording, spans, derived records, the memory store with its contract check, read-back and comparison, the ledger',
      }),
      row({
        name: `capture ÷ as many plain chat completions on one client (${calls} model calls)`,
        unit: 'calls/s',
        baseline: rate(plainMs),
        lab: rate(captureMs),
        note: 'no target: the subjects themselves do more than plain calls (structured outputs, tools, a client per run)',
      }),
    );
  }
}
