// The second shape of subject (docs/own-agent.md, "An agent that builds its own client"): an agent
// that calls `new OpenAI()` with no arguments, reading OPENAI_BASE_URL and OPENAI_API_KEY from
// process.env, in runs that share the process.
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ScriptedReply } from '../../src/contracts/scenario.ts';
import type { TraceStep } from '../../src/contracts/trace-step.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { processEnv } from '../../src/execute/run-env.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { defineSubject, type Subject, type SubjectContext } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { scenario } from '../helpers/scenario.ts';

/** What the process's own environment says: code outside the runs must keep reading it. */
const DECOY = 'http://127.0.0.1:9/not-a-run/v1';
let server: ScriptedModelServer;
let saved: string | undefined;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
  saved = process.env.OPENAI_BASE_URL;
  process.env.OPENAI_BASE_URL = DECOY;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.OPENAI_BASE_URL;
  else process.env.OPENAI_BASE_URL = saved;
  await server.close();
});

const Label = z.strictObject({ label: z.string() });

/** Resolves for everyone once n runs have arrived: the runs are then all in flight at once, whatever the machine's load. */
function barrier(n: number) {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    all,
    arrive: () => {
      if (++arrived === n) open();
      return all;
    },
  };
}

const subject = (id: string, run: (ctx: SubjectContext<{ text: string }>) => Promise<unknown>): Subject =>
  defineSubject({
    id,
    description: id,
    inputSchema: z.object({ text: z.string() }),
    outputSchema: z.unknown(),
    run,
  }) as Subject;

const modelCalls = (steps: readonly TraceStep[]) => steps.filter((s) => s.type === 'model_call');

describe('an agent that builds its own client from process.env, inline', () => {
  it('four runs at once, each constructing new OpenAI() with no arguments: each talks to its own script and records its own steps', async () => {
    const RUNS = 4;
    const gate = barrier(RUNS);
    const ownAgent = subject('own-env', async (ctx) => {
      await gate.arrive();
      const client = new OpenAI();
      const completion = await client.chat.completions.create({
        model: process.env.OPENAI_MODEL ?? 'unset',
        messages: [{ role: 'user', content: ctx.input.text }],
      });
      const reply = Label.parse(JSON.parse(completion.choices[0]?.message.content ?? 'null'));
      return { ...reply, baseURL: client.baseURL, copy: { ...process.env }.OPENAI_BASE_URL };
    });
    const runs = Array.from({ length: RUNS }, (_, i) =>
      runWithFailureDetection(
        ownAgent,
        scenario({
          id: `own-env-${i}`,
          subject: 'own-env',
          input: { text: `question ${i}` },
          model: { name: `model-${i}`, replies: [{ json: { label: `answer ${i}` } }] },
        }),
        { model: server },
      ),
    );
    await gate.all;
    // Every run is in flight now; this code is not one of them.
    const view = process.env;
    expect(view.OPENAI_BASE_URL).toBe(DECOY);
    expect(processEnv()).not.toBe(view);
    const results = await Promise.all(runs);
    const baseURLs = new Set<string>();
    results.forEach(({ trace }, i) => {
      expect(trace.detected, trace.scenario_id).toBeNull();
      const output = JSON.parse(trace.output?.text ?? '{}');
      expect(output.label).toBe(`answer ${i}`);
      expect(output.copy).toBe(output.baseURL);
      baseURLs.add(output.baseURL);
      const calls = modelCalls(trace.steps);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ status: 'ok', http_status: 200, model: `model-${i}` });
      expect(calls[0]?.type === 'model_call' && calls[0].request?.text).toContain(`question ${i}`);
      expect(calls[0]?.type === 'model_call' && calls[0].response?.text).toContain(`answer ${i}`);
    });
    expect(baseURLs.size).toBe(RUNS);
    for (const url of baseURLs) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{24}-\d+\/v1$/);
    // No run in flight: process.env is the process's own object again.
    expect(process.env).toBe(processEnv());
    expect(process.env).not.toBe(view);
    expect(process.env.OPENAI_BASE_URL).toBe(DECOY);
  });

  it('gives each run the endpoint key and the model; a run that sets or deletes them changes its own copy only', async () => {
    const gate = barrier(2);
    const seen = subject('own-env-vars', async (ctx) => {
      await gate.arrive();
      const before = { key: process.env.OPENAI_API_KEY, model: process.env.OPENAI_MODEL };
      if (ctx.input.text === 'change') {
        process.env.OPENAI_MODEL = 'changed';
        delete process.env.OPENAI_API_KEY;
      }
      await new Promise((resolve) => setImmediate(resolve));
      return {
        before,
        after: {
          key: process.env.OPENAI_API_KEY ?? null,
          model: process.env.OPENAI_MODEL,
          has: 'OPENAI_API_KEY' in process.env,
        },
      };
    });
    const [changed, kept] = await Promise.all(
      ['change', 'keep'].map((text) =>
        runWithFailureDetection(
          seen,
          scenario({ id: text, subject: 'own-env-vars', input: { text }, model: { name: `m-${text}` } }),
          {
            model: server,
          },
        ),
      ),
    );
    const out = (r: typeof changed) => JSON.parse(r!.trace.output?.text ?? '{}');
    expect(out(changed).before).toEqual({ key: 'scripted-model-no-key', model: 'm-change' });
    expect(out(changed).after).toEqual({ key: null, model: 'changed', has: false });
    expect(out(kept).after).toEqual({ key: 'scripted-model-no-key', model: 'm-keep', has: true });
    expect(process.env.OPENAI_MODEL).not.toBe('changed');
  });

  it('labels what an own client meets exactly as for the lab client: HTTP errors, a body that is not JSON, a stream cut mid-way, a request never answered', async () => {
    const faults: Record<string, ScriptedReply> = {
      'rate-limited': { fault: { status: 429 } },
      'server-error': { fault: { status: 500 } },
      malformed: { fault: { malformed: true } },
      'cut-stream': { content: 'a long answer in many chunks', fault: { cut_after_chunks: 2 } },
      // Cut off at its deadline, whatever the load: nothing ever answers.
      hang: { fault: { hang: true } },
    };
    const ask = (client: OpenAI, model: string, text: string, stream: boolean) =>
      stream
        ? (async () => {
            let out = '';
            const chunks = await client.chat.completions.create({
              model,
              stream,
              messages: [{ role: 'user', content: text }],
            });
            for await (const chunk of chunks) out += chunk.choices[0]?.delta.content ?? '';
            return { out };
          })()
        : client.chat.completions.create({ model, messages: [{ role: 'user', content: text }] });
    const labClient = subject('lab-client', (ctx) =>
      ask(ctx.client, ctx.model, ctx.input.text, ctx.input.text === 'cut-stream'),
    );
    const ownClient = subject('own-client', (ctx) =>
      ask(new OpenAI({ maxRetries: 0 }), process.env.OPENAI_MODEL!, ctx.input.text, ctx.input.text === 'cut-stream'),
    );
    const shape = async (s: Subject, id: string) => {
      const { trace, event } = await runWithFailureDetection(
        s,
        scenario({ id, subject: s.id, input: { text: id }, deadline_ms: 300, model: { replies: [faults[id]!] } }),
        { model: server },
      );
      return {
        detected: trace.detected,
        timeout: event?.kind === 'timeout' ? event.timeout.source : null,
        error:
          event && 'error' in event
            ? { class: event.error?.class, message: event.error?.message, status: event.error?.status }
            : null,
        taxonomy: event?.taxonomy ?? null,
        calls: modelCalls(trace.steps).map((c) => ({
          status: c.status,
          http_status: c.type === 'model_call' ? c.http_status : null,
          error: c.error?.class ?? null,
        })),
      };
    };
    for (const id of Object.keys(faults)) {
      const own = await shape(ownClient, id);
      expect(own.detected, id).toBe(id === 'hang' ? 'timeout' : 'exception');
      expect(own.calls, id).toHaveLength(1);
      expect(own, id).toEqual(await shape(labClient, id));
    }
  });

  it('a client kept past its run is told the run is over', async () => {
    let kept: OpenAI | null = null;
    const keeper = subject('keeper', async () => {
      kept = new OpenAI({ maxRetries: 0 });
      return {};
    });
    await runWithFailureDetection(keeper, scenario({ id: 'keeper', subject: 'keeper', input: { text: 'keep' } }), {
      model: server,
    });
    const late = kept!.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'late' }] });
    await expect(late).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(late).rejects.toThrow(/no run of the agent failure lab is in flight at this base URL/);
  });
});

describe('a client built when its module loads, outside every run', () => {
  it('is given no run endpoint and no key of the process: its requests fail, saying to build it inside the run', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'test', 'fixtures', 'own-env-subject'));
    for (const isolation of ['inline', 'worker'] as const) {
      const { trace, event } = await runWithFailureDetection(
        subjects.get('module-client-agent')!,
        scenario({
          id: `module-client-${isolation}`,
          subject: 'module-client-agent',
          isolation,
          input: { text: 'hi' },
        }),
        { model: server },
      );
      expect(trace.detected, isolation).toBe('exception');
      expect(event?.kind === 'exception' && event.error.class, isolation).toBe('NotFoundError');
      expect(event?.message, isolation).toMatch(/this client was built outside every run of the agent failure lab/);
      expect(modelCalls(trace.steps), isolation).toEqual([]);
    }
  });
});

describe('an agent that builds its own client from process.env, in a worker thread', () => {
  it('gets its run endpoint there too, every exchange is a step of the run, and the thread stays clean for the next run', async () => {
    const own = (await loadSubjects(path.join(ROOT, 'test', 'fixtures', 'own-env-subject'))).get('own-env-agent')!;
    const threads: number[] = [];
    for (const label of ['spam', 'ham']) {
      const { trace } = await runWithFailureDetection(
        own,
        scenario({
          id: `own-env-worker-${label}`,
          subject: 'own-env-agent',
          isolation: 'worker',
          input: { text: `${label}?` },
          model: { replies: [{ json: { label } }] },
        }),
        { model: server },
      );
      expect(trace.detected).toBeNull();
      expect(trace.run.isolation).toBe('worker');
      const output = JSON.parse(trace.output?.text ?? '{}');
      expect(output.label).toBe(label);
      threads.push(output.thread);
      expect(modelCalls(trace.steps)).toMatchObject([{ status: 'ok', http_status: 200 }]);
    }
    // The relay, its route and its connections are nothing a run leaves behind: the pool keeps the thread.
    expect(threads[1]).toBe(threads[0]);
  });
});
