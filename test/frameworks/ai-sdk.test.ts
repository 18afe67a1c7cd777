import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureEvent } from '../../src/contracts/failure-event.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { StepLimitError } from '../../src/frameworks/ai-sdk.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { startTelemetry, type Telemetry } from '../../src/telemetry/telemetry.ts';
import { scenario } from '../helpers/scenario.ts';
import { frameworkScenarios, runScenario } from './framework-scenarios.ts';

let server: ScriptedModelServer;
let fixtures: Awaited<ReturnType<typeof frameworkScenarios>>;
let telemetry: Telemetry;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  server = await ScriptedModelServer.start();
  fixtures = await frameworkScenarios();
  telemetry = startTelemetry({ env: {}, exporters: [exporter] });
});
afterAll(async () => {
  await server.close();
  await telemetry.shutdown();
});

const run = (id: string) => runScenario(fixtures, server, id);

describe('subjects on the AI SDK', () => {
  it('record every model call through the recording fetch and every tool call as a tool_call step', async () => {
    const { event, trace: record } = await run('fw-aisdk-control');
    expect(event).toBeNull();
    expect(TraceRecord.parse(record)).toEqual(record);
    expect(record.steps.filter((s) => s.type !== 'check').map((s) => s.name)).toEqual([
      'chat lab-model',
      'execute_tool search_notes',
      'chat lab-model',
    ]);
    expect(record.steps.find((s) => s.type === 'tool_call')).toMatchObject({ call_id: 'call_1_1', status: 'ok' });
  });

  it('use Chat Completions through provider.chat and the Responses API through provider(model)', async () => {
    const chat = await run('fw-aisdk-control');
    const responses = await run('fw-writer-control');
    expect(chat.trace.steps.find((s) => s.type === 'model_call')).toMatchObject({ api: 'chat.completions' });
    expect(responses.trace.steps.find((s) => s.type === 'model_call')).toMatchObject({
      api: 'responses',
      stream: false,
    });
  });

  it.each([
    ['fw-aisdk-step-limit', 'exception', 'StepLimitError'],
    ['fw-aisdk-unknown-tool-thrown', 'exception', 'NoSuchToolError'],
    ['fw-aisdk-bad-args-thrown', 'exception', 'InvalidToolInputError'],
    ['fw-aisdk-object-invalid', 'validation_error', 'NoObjectGeneratedError'],
    ['fw-aisdk-object-not-json', 'validation_error', 'NoObjectGeneratedError'],
    ['fw-aisdk-stream-cut', 'exception', 'APICallError'],
    ['fw-writer-429-not-retried', 'exception', 'APICallError'],
    ['fw-writer-429-retries-exhausted', 'exception', 'RetryError'],
  ])("%s is a %s that keeps the SDK's own class %s", async (id, kind, errorClass) => {
    const { event } = await run(id);
    expect(FailureEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({ kind, error: { class: errorClass } });
  });

  it('show the cause of a cut stream in the message, not only in the stored error', async () => {
    expect((await run('fw-aisdk-stream-cut')).event?.message).toBe(
      'exception: APICallError: Failed to process successful response (cause: TypeError: terminated)',
    );
  });

  it('turn the silent step limit into a StepLimitError, labelled resource abuse at the last call; the same loop one step shorter passes', async () => {
    const { event, trace: record } = await run('fw-aisdk-step-limit');
    expect(event).toMatchObject({
      message: expect.stringContaining('did not finish within 3 steps'),
      taxonomy: { trail: { path: ['Planning and Coordination Errors', 'Context Management', 'Resource Abuse'] } },
    });
    expect(event!.location.step_index).toBe(record.steps.findLast((s) => s.type === 'tool_call')!.index);
    expect(new StepLimitError({ steps: 3 })).toMatchObject({ name: 'StepLimitError', steps: 3 });
    expect((await run('fw-aisdk-step-limit-near-miss')).event).toBeNull();
  });

  it('give a structured output that fails its schema the issue paths (validation_error, model_output_schema)', async () => {
    expect((await run('fw-aisdk-object-invalid')).event).toMatchObject({
      validation: { source: 'model_output_schema', issues: [{ path: 'sources', code: 'invalid_type' }] },
      error: { cause: { class: 'TypeValidationError' } },
      location: { step_index: 0 },
      taxonomy: { trail: { path: ['Reasoning Errors', 'Output Generation', 'Formatting Errors'] } },
    });
    expect((await run('fw-aisdk-object-not-json')).event).toMatchObject({
      validation: { issues: [{ path: '', code: 'invalid_json' }] },
      error: { cause: { class: 'JSONParseError' } },
    });
  });

  it('record an unknown tool as an undeclared tool_call step, whether the run reports it to the model or throws', async () => {
    for (const id of ['fw-aisdk-unknown-tool-thrown', 'fw-aisdk-unknown-tool-reported']) {
      const { trace: record } = await run(id);
      expect(record.steps.filter((s) => s.type === 'tool_call')[0]).toMatchObject({
        tool: 'web_search',
        declared: false,
        status: 'error',
        error: { class: 'UnknownToolError' },
      });
    }
    const thrown = await run('fw-aisdk-unknown-tool-thrown');
    // Thrown at once: the loop stopped after the step with the invalid call.
    expect(thrown.trace.steps.filter((s) => s.type === 'model_call')).toHaveLength(1);
    expect(thrown.event!.taxonomy.trail?.path.at(-1)).toBe('Tool Selection Errors');
  });

  it("pass the scenario's client.max_retries to the AI SDK's own retries", async () => {
    const retried = await run('fw-writer-429-retried');
    expect(retried.event).toBeNull();
    expect(
      retried.trace.steps.filter((s) => s.type === 'model_call').map((s) => s.type === 'model_call' && s.http_status),
    ).toEqual([429, 200]);
    const once = await run('fw-writer-429-not-retried');
    expect(once.trace.steps.filter((s) => s.type === 'model_call')).toHaveLength(1);
    expect(once.event!.taxonomy.trail?.path.at(-1)).toBe('Rate Limiting');
  });

  it("send the SDK's telemetry through OpenTelemetry under the active span, with the lab's secrets redacted and no prompts recorded", async () => {
    const secret = 'canary-aisdk-span-secret-81f2';
    process.env.LAB_REDACT = secret;
    try {
      exporter.reset();
      const leaky = scenario({
        id: 'aisdk-secret-in-tool-error',
        subject: 'aisdk-researcher',
        input: { question: 'How many passengers did the Oslo line carry?' },
        model: {
          replies: [
            { tool_calls: [{ name: 'search_notes', arguments: { query: 'oslo' } }] },
            { json: { answer: 'The search failed.', sources: [] } },
          ],
        },
        tools: { search_notes: [{ error: `index offline (token ${secret})` }] },
      });
      // The lab makes its run span the active one while the subject runs: the SDK's spans nest under it.
      const { runWithFailureDetection } = await import('../../src/detect/run-with-failure-detection.ts');
      const { event, trace: record } = await runWithFailureDetection(
        fixtures.subjects.get('aisdk-researcher')!,
        leaky,
        { model: server, secrets: [secret], tracer: telemetry.tracer },
      );
      expect(event).toBeNull();
      expect(JSON.stringify(record)).not.toContain(secret);
      await telemetry.forceFlush();
      const spans = exporter
        .getFinishedSpans()
        .filter((s) => s.instrumentationScope.name === 'agent-failure-lab/ai-sdk');
      expect(spans.length).toBeGreaterThan(0);
      // The SDK's agent span, named for the subject; its chat and execute_tool spans would repeat
      // the lab's own spans of the same calls, so the lab records those once, as its steps.
      const agent = spans.find((s) => s.name === 'invoke_agent aisdk-researcher');
      expect(agent?.attributes['gen_ai.agent.name']).toBe('aisdk-researcher');
      expect(
        spans.filter((s) => ['chat', 'execute_tool'].includes(String(s.attributes['gen_ai.operation.name']))),
      ).toEqual([]);
      const own = exporter.getFinishedSpans().filter((s) => s.name === 'execute_tool search_notes');
      expect(own).toHaveLength(1);
      expect(own[0]!.status.code).toBe(2);
      for (const span of spans) expect(span.spanContext().traceId).toBe(record.otel.trace_id);
      expect(spans.some((s) => s.parentSpanContext?.spanId === record.otel.span_id)).toBe(true);
      const text = JSON.stringify(
        exporter.getFinishedSpans().map((s) => ({ attributes: s.attributes, events: s.events, status: s.status })),
      );
      expect(text).not.toContain(secret);
      expect(text).not.toContain('How many passengers');
    } finally {
      delete process.env.LAB_REDACT;
    }
  });
});
