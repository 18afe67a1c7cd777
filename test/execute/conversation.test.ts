import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { TraceStep } from '../../src/contracts/trace-step.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import { LabError } from '../../src/errors/lab-error.ts';
import { runOccurrence } from '../../src/ledger/occurrence.ts';
import { reproduceScenario } from '../../src/ledger/reproduce.ts';
import { runDetail } from '../../src/report/run-view.ts';
import { ModelScriptError } from '../../src/errors/model-script-error.ts';
import { LiveEndpoint } from '../../src/model/live-endpoint.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { checkScenario } from '../../src/scenario/check-scenario.ts';
import { scriptedFaults, scriptOf } from '../../src/scenario/fault-sites.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { defineSubject, type Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { scenario } from '../helpers/scenario.ts';

let server: ScriptedModelServer;
let weatherChat: Subject;

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  const catalog = await SubjectCatalog.open(path.join(ROOT, 'subjects'));
  weatherChat = (await catalog.load(new Set(['weather-chat']))).get('weather-chat')!;
});
afterAll(() => server.close());

async function shipped(id: string, extra: { isolation?: 'inline' | 'worker' } = {}) {
  const parsed = Scenario.parse(JSON.parse(await readFile(path.join(ROOT, 'scenarios', `${id}.json`), 'utf8')));
  return runWithFailureDetection(weatherChat, parsed, { model: server, ...extra });
}

const turnsOf = (steps: readonly TraceStep[]) => steps.filter((s) => s.type === 'turn');
const statusOfTurns = (steps: readonly TraceStep[]) => turnsOf(steps).map((s) => [s.turn, s.status]);

/** Every step begun during a turn carries that turn: the steps after a turn step, up to the next, until the checks. */
function expectStepsInTheirTurn(steps: readonly TraceStep[]): void {
  let current: number | null = null;
  for (const step of steps) {
    if (step.type === 'turn') current = step.turn;
    else if (step.type === 'model_call' || step.type === 'tool_call')
      expect(step.turn, `step ${step.index}`).toBe(current);
  }
}

describe('conversations: the shipped weather-chat scenarios', () => {
  it('a fault in turn 2 is labelled and located at turn 2; turn 3 still answers, and the record shows it', async () => {
    const { event, trace, related } = await shipped('conv-weather-503-in-turn-2');
    expect(TraceRecord.parse(trace)).toEqual(trace);
    expect(trace.detected).toBe('exception');
    expect(event?.kind === 'exception' && event.error.status).toBe(503);
    expect(event?.location.turn).toBe(2);
    const located = trace.steps[event!.location.step_index!]!;
    expect(located).toMatchObject({ type: 'model_call', turn: 2, http_status: 503, status: 'error' });
    expect(statusOfTurns(trace.steps)).toEqual([
      [1, 'ok'],
      [2, 'error'],
      [3, 'ok'],
    ]);
    const [, second, third] = turnsOf(trace.steps);
    expect(second).toMatchObject({ user: { text: 'And in Oslo?' }, reply: null, error: { status: 503 } });
    expect(third?.type === 'turn' && JSON.parse(third.reply!.text)).toEqual({
      answer: 'It is 7 °C in Oslo.',
      tools_used: ['get_weather'],
    });
    expectStepsInTheirTurn(trace.steps);
    // The failure ledger's details name the turn too.
    expect(runOccurrence(trace, related, { tags: [], file: null })?.details).toContain(
      'Located at step 5 in turn 2 of the conversation',
    );
    // Turn 2's script held one reply and turn 3 was answered from its own script, not from turn 2's leftovers.
    expect(trace.steps.filter((s) => s.type === 'model_call' && s.turn === 3).map((s) => s.status)).toEqual([
      'ok',
      'ok',
    ]);
  });

  it("the report's run view shows each turn, the turn of each step and the failure's turn", async () => {
    const { trace, related } = await shipped('conv-weather-503-in-turn-2');
    const view = runDetail(trace, related, false);
    expect(view.failure?.location).toMatchObject({ step_index: 5, turn: 2 });
    expect(view.steps.filter((s) => s.type === 'turn').map((s) => [s.turn, s.summary])).toEqual([
      [1, 'turn 1 · replied'],
      [2, 'turn 2 · error'],
      [3, 'turn 3 · replied'],
    ]);
    expect(view.steps[4]?.previews.map((p) => [p.label, p.text])).toEqual([['user', 'And in Oslo?']]);
    expect(view.steps[5]).toMatchObject({ type: 'model_call', turn: 2 });
  });

  it('a passing control recovers in turn 3: the turn-2 model call errored, the turn replied with an apology', async () => {
    const { event, trace } = await shipped('conv-weather-429-recovers-in-turn-3');
    expect(event).toBeNull();
    expect(TraceRecord.parse(trace)).toEqual(trace);
    expect(statusOfTurns(trace.steps)).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
    ]);
    expect(trace.steps.find((s) => s.type === 'model_call' && s.turn === 2)).toMatchObject({
      status: 'error',
      http_status: 429,
    });
    const second = turnsOf(trace.steps)[1]!;
    expect(second.type === 'turn' && second.reply?.text).toContain('Sorry');
    // The output is the last turn's reply; every reply was checked against the output schema, each in its turn.
    expect(JSON.parse(trace.output!.text).answer).toBe('It is 7 °C in Oslo.');
    expect(
      trace.steps.filter((s) => s.type === 'check' && s.check === 'output_schema').map((s) => [s.turn, s.status]),
    ).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
    ]);
  });

  it.each([
    ['conv-weather-empty-answer-in-turn-2', 'validation_error', 2, 'model_call'],
    ['conv-weather-invented-temperature-in-turn-3', 'hallucination_flag', 3, 'model_call'],
  ] as const)('%s is a %s located at turn %i', async (id, kind, turn, stepType) => {
    const { event, trace } = await shipped(id);
    expect(TraceRecord.parse(trace)).toEqual(trace);
    expect(event?.kind).toBe(kind);
    expect(event?.location.turn).toBe(turn);
    expect(trace.steps[event!.location.step_index!]).toMatchObject({ type: stepType, turn });
  });

  it('a tool that hangs in turn 2 is a timeout located at turn 2, and ends the conversation: turn 3 never begins', async () => {
    const { event, trace } = await shipped('conv-weather-tool-hangs-in-turn-2');
    expect(event?.kind === 'timeout' && event.timeout.source).toBe('deadline');
    expect(event?.location.turn).toBe(2);
    expect(trace.steps[event!.location.step_index!]).toMatchObject({ type: 'tool_call', turn: 2, status: 'aborted' });
    expect(statusOfTurns(trace.steps)).toEqual([
      [1, 'ok'],
      [2, 'aborted'],
    ]);
  });

  it('a turn whose reply breaks the schema fails the run though the last turn answers', async () => {
    const { event, trace } = await shipped('conv-weather-empty-answer-in-turn-2');
    expect(event?.kind === 'validation_error' && event.validation.source).toBe('output_schema');
    expect(statusOfTurns(trace.steps).map(([, s]) => s)).toEqual(['ok', 'ok', 'ok']);
    expect(trace.steps.find((s) => s.type === 'check' && !s.passed)).toMatchObject({ turn: 2 });
  });

  it('a failure reproduced from its replies keeps the turns, and gives the same label at the same turn', async () => {
    const parsed = Scenario.parse(
      JSON.parse(
        await readFile(path.join(ROOT, 'scenarios', 'conv-weather-tool-error-handled-in-turn-2.json'), 'utf8'),
      ),
    );
    // A failing variant: turn 3's answer invents a number.
    parsed.turns![2]!.replies[1] = { content: 'It is 99 °C in Cairo.' };
    const first = await runWithFailureDetection(weatherChat, parsed, { model: server, recordReplies: true });
    expect(first.event?.kind).toBe('hallucination_flag');
    const record = {
      failure_id: first.event!.failure_id,
      build_id: 'b',
      lab: { fingerprint: 'fp' },
      failure_description: { summary: 'x' },
    } as unknown as FailureRecord;
    const repro = Scenario.parse(reproduceScenario(record, first.trace));
    expect(repro.model.replies).toEqual([]);
    expect(repro.turns?.map((t) => [t.user, t.replies.length, Object.keys(t.tools)])).toEqual([
      ['What is the weather in Paris?', 2, ['get_weather']],
      ['And in Oslo?', 3, ['get_weather']],
      ['And Cairo?', 2, ['get_weather']],
    ]);
    expect(repro.turns?.[1]?.tools.get_weather?.[0]).toEqual({ error: 'weather service unavailable' });
    const again = await runWithFailureDetection(weatherChat, repro, { model: server });
    expect(again.event?.kind).toBe('hallucination_flag');
    expect(again.event?.location).toMatchObject({ turn: 3, step_index: first.event!.location.step_index });
  });

  it('runs a conversation in a worker thread with the same record as inline', async () => {
    const inline = await shipped('conv-weather-503-in-turn-2');
    const worker = await shipped('conv-weather-503-in-turn-2', { isolation: 'worker' });
    expect(worker.trace.run.isolation).toBe('worker');
    const shape = (steps: readonly TraceStep[]) => steps.map((s) => [s.type, s.turn, s.status]);
    expect(shape(worker.trace.steps)).toEqual(shape(inline.trace.steps));
    expect(worker.event?.location).toMatchObject({ turn: 2, step_index: inline.event?.location.step_index });
  });
});

/** A subject that answers each turn with the model's text, and throws what the model call throws. */
const echoChat = defineSubject({
  id: 'echo-chat',
  description: 'replies with the model text',
  inputSchema: z.unknown(),
  outputSchema: z.strictObject({ text: z.string().min(1) }),
  async respond(message, history, { client, model, signal }) {
    const completion = await client.chat.completions.create(
      {
        model,
        messages: [
          ...history.flatMap((h) => [
            { role: 'user' as const, content: h.user },
            { role: 'assistant' as const, content: h.reply?.text ?? `error: ${h.error}` },
          ]),
          { role: 'user', content: message },
        ],
      },
      { signal },
    );
    return { text: completion.choices[0]?.message.content ?? '' };
  },
});

describe('conversations: the machinery', () => {
  it('gives respond the history, failed turns included', async () => {
    const seen: unknown[] = [];
    const spy = defineSubject({
      ...echoChat,
      async respond(message, history, ctx) {
        seen.push(history.map((h) => ({ ...h })));
        if (message === 'fail') throw new Error('turn failed');
        return echoChat.respond!(message, history, ctx);
      },
    });
    const { trace } = await runWithFailureDetection(
      spy,
      scenario({
        id: 'history',
        subject: 'echo-chat',
        expected: 'exception',
        turns: [
          { user: 'hi', replies: [{ content: 'hello' }] },
          { user: 'fail', replies: [] },
          { user: 'again', replies: [{ content: 'back' }] },
        ],
      }),
      { model: server },
    );
    expect(seen).toEqual([
      [],
      [{ user: 'hi', reply: { text: 'hello' }, error: null }],
      [
        { user: 'hi', reply: { text: 'hello' }, error: null },
        { user: 'fail', reply: null, error: 'turn failed' },
      ],
    ]);
    expect(trace.failure?.location).toMatchObject({ turn: 2, step_index: null });
  });

  it('names the turn and its replies when a turn asks for more replies than its script holds', async () => {
    const run = runWithFailureDetection(
      echoChat,
      scenario({
        id: 'short-turn',
        subject: 'echo-chat',
        turns: [
          { user: 'one', replies: [{ content: 'a' }] },
          { user: 'two', replies: [] },
        ],
      }),
      { model: server },
    );
    await expect(run).rejects.toThrow(ModelScriptError);
    await expect(run).rejects.toThrow(/request #1 of turn 2 .*turns\[1\]\.replies/);
  });

  it('counts tool fixtures per turn', async () => {
    const tooly = defineSubject({
      id: 'tooly',
      description: 'calls a tool each turn',
      inputSchema: z.unknown(),
      outputSchema: z.unknown(),
      tools: [
        {
          name: 'lookup',
          description: 'x',
          parameters: { type: 'object' },
          run: () => 'real',
        },
      ],
      toolsCalledBy: 'subject',
      async respond(_message, _history, { tools }) {
        return [await tools.call('lookup', {}), await tools.call('lookup', {})];
      },
    });
    const { trace } = await runWithFailureDetection(
      tooly,
      scenario({
        id: 'tools-per-turn',
        subject: 'tooly',
        turns: [
          { user: 'one', tools: { lookup: [{ result: 'fixture 1.1' }] } },
          { user: 'two', tools: { lookup: [{ result: 'fixture 2.1' }, { result: 'fixture 2.2' }] } },
        ],
      }),
      { model: server },
    );
    const replies = turnsOf(trace.steps).map((s) => (s.type === 'turn' ? JSON.parse(s.reply!.text) : null));
    expect(replies).toEqual([
      ['fixture 1.1', 'real'],
      ['fixture 2.1', 'fixture 2.2'],
    ]);
  });

  it('refuses a conversation for a subject that does not converse, and the reverse (exit 2)', async () => {
    const single = defineSubject({ ...echoChat, id: 'single', respond: undefined, run: async () => ({ text: 'x' }) });
    const conversation = scenario({ id: 'conv', subject: 'single', turns: [{ user: 'hi' }] });
    const error = await runWithFailureDetection(single, conversation, { model: server }).catch((e: unknown) => e);
    expect(LabError.isInstance(error) && error.exitCode).toBe(2);
    expect((error as Error).message).toMatch(/has turns, but single does not converse/);
    expect(checkScenario(conversation, single)).toContainEqual({
      path: ['turns'],
      message: expect.stringMatching(/does not converse/),
    });
    expect(checkScenario(scenario({ id: 'one-shot', subject: 'echo-chat' }), echoChat)).toContainEqual({
      path: ['subject'],
      message: expect.stringMatching(/echo-chat converses .*give the scenario turns/),
    });
  });

  it('checks each turn statically: replies outside the turns, fixtures no reply calls for, a script the client will outrun', () => {
    const problems = checkScenario(
      scenario({
        id: 'static',
        subject: 'weather-chat',
        input: { user_name: 'Ada' },
        model: { replies: [{ content: 'stray' }] },
        client: { max_retries: 1 },
        turns: [
          { user: 'one', replies: [{ content: 'a' }], tools: { get_weather: [{ result: 1 }] } },
          { user: 'two', replies: [{ fault: { status: 429 } }] },
        ],
      }),
      weatherChat,
    );
    expect(problems.map((p) => p.path)).toEqual([
      ['model', 'replies'],
      ['turns', 0, 'tools', 'get_weather'],
      ['turns', 1, 'replies'],
    ]);
    expect(problems[1]!.message).toMatch(/no reply in turns\[0\]\.replies asks for "get_weather"/);
  });

  it('lists the faults of a conversation with their turn, calls counted within it', async () => {
    const parsed = Scenario.parse(
      JSON.parse(
        await readFile(path.join(ROOT, 'scenarios', 'conv-weather-tool-error-handled-in-turn-2.json'), 'utf8'),
      ),
    );
    expect(scriptedFaults(parsed)).toEqual([
      { site: { tool: 'get_weather', call: 1, turn: 2 }, fault: { error: 'weather service unavailable' } },
    ]);
    const model = Scenario.parse(
      JSON.parse(await readFile(path.join(ROOT, 'scenarios', 'conv-weather-503-in-turn-2.json'), 'utf8')),
    );
    expect(scriptedFaults(model)).toEqual([{ site: { model_call: 1, turn: 2 }, fault: { status: 503 } }]);
    // Where a site falls, for variants and fuzz: a turn's own script; no turn, or one past the end, is none.
    expect(scriptOf(model, 2)?.replies).toEqual([{ fault: { status: 503 } }]);
    expect(scriptOf(model, undefined)).toBeNull();
    expect(scriptOf(model, 4)).toBeNull();
    const single = scenario({ id: 'single', subject: 'x', model: { replies: [{ content: 'a' }] } });
    expect(scriptOf(single, undefined)?.replies).toEqual([{ content: 'a' }]);
    expect(scriptOf(single, 1)).toBeNull();
  });

  it('names the turn to the scripted server only: a live endpoint never gets the header', async () => {
    const seen: (string | undefined)[] = [];
    const live = http.createServer((req, res) => {
      seen.push(req.headers['x-lab-turn'] as string | undefined);
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 0,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = live.address() as AddressInfo;
      const endpoint = await LiveEndpoint.start({
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        OPENAI_API_KEY: 'k',
      });
      const { event } = await runWithFailureDetection(
        echoChat,
        scenario({ id: 'live', subject: 'echo-chat', turns: [{ user: 'one' }, { user: 'two' }] }),
        { model: endpoint },
      );
      await endpoint.close();
      expect(event).toBeNull();
      expect(seen).toEqual([undefined, undefined]);
    } finally {
      live.closeAllConnections();
      await new Promise((resolve) => live.close(resolve));
    }
  });

  it('makes each turn a span, the parent of its steps, with lab.turn', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const { trace } = await runWithFailureDetection(
      echoChat,
      scenario({
        id: 'spans',
        subject: 'echo-chat',
        turns: [
          { user: 'one', replies: [{ content: 'a' }] },
          { user: 'two', replies: [{ content: 'b' }] },
        ],
      }),
      { model: server, tracer: provider.getTracer('test') },
    );
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const turns = spans.filter((s) => s.name.startsWith('turn '));
    expect(turns.map((s) => [s.name, s.attributes['lab.turn']])).toEqual([
      ['turn 1', 1],
      ['turn 2', 2],
    ]);
    const chats = spans.filter((s) => s.name.startsWith('chat '));
    expect(chats.map((s) => [s.parentSpanContext?.spanId, s.attributes['lab.turn']])).toEqual([
      [turns[0]!.spanContext().spanId, 1],
      [turns[1]!.spanContext().spanId, 2],
    ]);
    expect(trace.steps.filter((s) => s.type === 'turn').map((s) => s.span_id)).toEqual(
      turns.map((s) => s.spanContext().spanId),
    );
  });
});
