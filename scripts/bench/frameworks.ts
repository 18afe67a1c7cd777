// Part 5: subjects built on a framework. The detection wrapper's added cost for an OpenAI Agents
// SDK subject and an AI SDK subject, against running the same agent with the framework directly
// (same HTTP exchanges with the scripted server, no lab), and the cost of running them in a worker.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createOpenAI } from '@ai-sdk/openai';
import type { InputGuardrail, OutputGuardrail } from '@openai/agents-core';
import { generateText, jsonSchema, Output, stepCountIs, tool as aiTool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import type { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import type { ToolSpec } from '../../src/subject/tool.ts';
import { type BenchContext, median, row } from './common.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ms = (v: number) => `${v.toFixed(2)} ms`;

export async function benchFrameworks({ quick, rows }: BenchContext, server: ScriptedModelServer): Promise<void> {
  // The SDK is loaded after the lab's wrapper has loaded it, which takes off the process listeners
  // its trace provider adds (an unhandled rejection would otherwise end the bench).
  await import('../../src/frameworks/openai-agents.ts');
  const { Agent, Runner, tool: agentsTool } = await import('@openai/agents-core');
  const { OpenAIProvider } = await import('@openai/agents-openai');
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const scenarios = new Map(
    (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).map((l) => [l.scenario.id, l.scenario]),
  );
  const n = quick ? 30 : 300;

  /** Interleaved rounds, so drift hits both sides alike; returns the medians. */
  async function compare(
    direct: () => Promise<unknown>,
    wrapped: () => Promise<unknown>,
  ): Promise<{ direct: number; wrapped: number }> {
    for (let i = 0; i < 20; i++) await Promise.all([direct(), wrapped()]);
    const d: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await direct();
      d.push(performance.now() - t);
      t = performance.now();
      await wrapped();
      w.push(performance.now() - t);
    }
    return { direct: median(d), wrapped: median(w) };
  }

  /** The scripted server's session for one direct run (the lab would open one per run too). */
  const session = (scenario: Scenario) => server.open(scenario, crypto.randomUUID());

  // 5a. OpenAI Agents SDK: Triage hands off to Billing, one tool call, three model calls.
  {
    const scenario = scenarios.get('fw-agents-handoff-control')!;
    const subject = subjects.get('agents-support-desk')!;
    const specs = new Map((subject.tools ?? []).map((t) => [t.name, t] as [string, ToolSpec]));
    const noCards: InputGuardrail = {
      name: 'no_card_numbers',
      runInParallel: false,
      execute: async ({ input }) => ({
        tripwireTriggered: /\b(?:\d[ -]?){13,16}\b/.test(String(input)),
        outputInfo: null,
      }),
    };
    const noPromises: OutputGuardrail = {
      name: 'no_promises',
      execute: async ({ agentOutput }) => ({
        tripwireTriggered: /\bguarantee/i.test(String(agentOutput)),
        outputInfo: null,
      }),
    };
    const direct = async () => {
      const s = session(scenario);
      try {
        const client = new OpenAI({ baseURL: s.baseURL, apiKey: s.apiKey, maxRetries: 0 });
        const runner = new Runner({
          modelProvider: new OpenAIProvider({ openAIClient: client }),
          model: s.model,
          traceIncludeSensitiveData: false,
        });
        const tools = [...specs.values()].map((spec) =>
          agentsTool({
            name: spec.name,
            description: spec.description,
            parameters: spec.parameters as any,
            strict: false,
            execute: (args) => spec.run(args, { signal: new AbortController().signal }) as any,
          }),
        );
        const billing = new Agent({
          name: 'Billing',
          instructions: 'Answer invoice and refund questions with your tools.',
          tools,
          outputGuardrails: [noPromises],
        });
        const triage = new Agent({
          name: 'Triage',
          instructions: 'Hand billing questions to Billing.',
          handoffs: [billing],
          inputGuardrails: [noCards],
        });
        const result = await runner.run(triage, (scenario.input as { message: string }).message, { maxTurns: 6 });
        if (!result.finalOutput) throw new Error('no answer');
      } finally {
        s.close();
      }
    };
    const wrapped = () => runWithFailureDetection(subject, scenario, { model: server });
    const r = await compare(direct, wrapped);
    rows.push(
      row({
        name: `framework wrapper, OpenAI Agents SDK: hand-off, 1 tool call, 3 model calls (median, n=${n})`,
        unit: 'ms',
        baseline: r.direct,
        lab: r.wrapped,
        note: `added ${ms(r.wrapped - r.direct)} a run`,
      }),
    );
  }

  // 5b. AI SDK: generateText over Chat Completions, 1 tool call, 2 model calls, Output.object.
  {
    const scenario = scenarios.get('fw-aisdk-control')!;
    const subject = subjects.get('aisdk-researcher')!;
    const search = (subject.tools ?? [])[0]!;
    const Answer = z.object({ answer: z.string(), sources: z.array(z.string()) });
    const direct = async () => {
      const s = session(scenario);
      try {
        const provider = createOpenAI({ baseURL: s.baseURL, apiKey: s.apiKey });
        const { output } = await generateText({
          model: provider.chat(s.model),
          system: 'Answer from the notes; cite the ids of the notes you used.',
          prompt: (scenario.input as { question: string }).question,
          tools: {
            [search.name]: aiTool({
              description: search.description,
              inputSchema: jsonSchema(search.parameters as any),
              execute: (input: unknown) => search.run(input, { signal: new AbortController().signal }) as any,
            }),
          },
          output: Output.object({ schema: Answer }),
          stopWhen: stepCountIs(4),
          maxRetries: 0,
        });
        if (!output) throw new Error('no answer');
      } finally {
        s.close();
      }
    };
    const wrapped = () => runWithFailureDetection(subject, scenario, { model: server });
    const r = await compare(direct, wrapped);
    rows.push(
      row({
        name: `framework wrapper, AI SDK: 1 tool call, 2 model calls, Output.object (median, n=${n})`,
        unit: 'ms',
        baseline: r.direct,
        lab: r.wrapped,
        note: `added ${ms(r.wrapped - r.direct)} a run`,
      }),
    );
  }

  // 5c. Worker isolation for a framework subject: a warm pooled thread per run, against inline.
  for (const [id, label] of [
    ['fw-agents-handoff-control', 'OpenAI Agents SDK'],
    ['fw-aisdk-control', 'AI SDK'],
  ] as const) {
    const scenario = scenarios.get(id)!;
    const subject = subjects.get(scenario.subject)! as Subject<any, any>;
    const run = (isolation: 'inline' | 'worker') =>
      runWithFailureDetection(subject, scenario, { model: server, isolation });
    const m = quick ? 20 : 100;
    for (let i = 0; i < 5; i++) await run('worker');
    const inline: number[] = [];
    const worker: number[] = [];
    for (let i = 0; i < m; i++) {
      let t = performance.now();
      await run('inline');
      inline.push(performance.now() - t);
      t = performance.now();
      await run('worker');
      worker.push(performance.now() - t);
    }
    rows.push(
      row({
        name: `framework subject, ${label}: worker on a warm pooled thread against inline (median, n=${m})`,
        unit: 'ms',
        baseline: median(inline),
        lab: median(worker),
        note: `added ${ms(median(worker) - median(inline))} a run`,
      }),
    );
  }

  // 5d. A new thread that loads a subject file: what a thread the pool starts or replaces pays once.
  {
    const load = (file: string) =>
      new Promise<number>((resolve, reject) => {
        const code = `const t = performance.now(); import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'subjects', file)).href)}).then(() => require('node:worker_threads').parentPort.postMessage(performance.now() - t));`;
        const w = new Worker(code, { eval: true });
        w.once('message', (v: number) => {
          resolve(v);
          void w.terminate();
        });
        w.once('error', reject);
      });
    const k = quick ? 3 : 10;
    const cold: Record<string, number> = {};
    for (const file of ['trip-planner.ts', 'agents-support-desk.ts', 'aisdk-researcher.ts']) {
      const times: number[] = [];
      for (let i = 0; i < k; i++) times.push(await load(file));
      cold[file] = median(times);
    }
    for (const file of ['agents-support-desk.ts', 'aisdk-researcher.ts']) {
      rows.push(
        row({
          name: `a new worker thread loading ${file} against trip-planner.ts (openai and zod only) (median, n=${k})`,
          unit: 'ms',
          baseline: cold['trip-planner.ts']!,
          lab: cold[file]!,
          note: 'paid once per pooled thread, and again by each thread the pool replaces',
        }),
      );
    }
  }
}
