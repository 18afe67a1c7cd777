import { spawnSync } from 'node:child_process';
import { setTracingDisabled } from '@openai/agents-core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureEvent } from '../../src/contracts/failure-event.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { startTelemetry, type Telemetry } from '../../src/telemetry/telemetry.ts';
import { ROOT, runCli } from '../helpers/run-cli.ts';
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

const run = (id: string, options: Parameters<typeof runScenario>[3] = {}) => runScenario(fixtures, server, id, options);

describe('subjects on the OpenAI Agents SDK', () => {
  it('record every model call through the recording fetch and every tool call as a tool_call step', async () => {
    const { event, trace: record } = await run('fw-agents-handoff-control');
    expect(event).toBeNull();
    expect(TraceRecord.parse(record)).toEqual(record);
    expect(record.steps.map((s) => [s.type, s.name])).toEqual([
      ['model_call', 'chat lab-model'],
      ['model_call', 'chat lab-model'],
      ['tool_call', 'execute_tool lookup_invoice'],
      ['model_call', 'chat lab-model'],
      ['check', 'check output_schema'],
      ['check', 'check numbers_in_sources'],
    ]);
    expect(
      record.steps
        .filter((s) => s.type === 'model_call')
        .every((s) => s.type === 'model_call' && s.api === 'chat.completions'),
    ).toBe(true);
  });

  it("name the agent that runs on every step: the runner's hand-off moves the attribution to the second agent", async () => {
    const { trace: record } = await run('fw-agents-handoff-control');
    expect(record.steps.map((s) => s.agent)).toEqual(['Triage', 'Billing', 'Billing', 'Billing', 'Billing', 'Billing']);
    expect(JSON.parse(record.output!.text)).toEqual({
      answer: 'Invoice INV-1001 was 120 EUR and is paid.',
      agent: 'Billing',
    });
  });

  it('locate a failure after a hand-off at the second agent (Who&When "who" and "when")', async () => {
    const { event, trace: record } = await run('fw-agents-handoff-billing-503');
    expect(event).toMatchObject({
      kind: 'exception',
      error: { class: 'InternalServerError', status: 503 },
      location: { step_index: 1, agent: 'Billing' },
    });
    expect(event!.location.span_id).toBe(record.steps[1]!.span_id);
  });

  it('use the Responses API when asked (agents-itinerary), and name no agent in a single-agent run', async () => {
    const { event, trace: record } = await run('fw-itinerary-control');
    expect(event).toBeNull();
    expect(record.steps.every((s) => s.agent === null)).toBe(true);
    expect(record.steps.filter((s) => s.type === 'model_call').map((s) => s.type === 'model_call' && s.api)).toEqual([
      'responses',
      'responses',
    ]);
  });

  it.each([
    ['fw-agents-max-turns', 'exception', 'MaxTurnsExceededError'],
    ['fw-agents-input-guardrail', 'exception', 'InputGuardrailTripwireTriggered'],
    ['fw-agents-output-guardrail', 'exception', 'OutputGuardrailTripwireTriggered'],
    ['fw-agents-unknown-tool', 'exception', 'ModelBehaviorError'],
    ['fw-agents-429-not-retried', 'exception', 'RateLimitError'],
    ['fw-agents-stream-cut', 'exception', 'TypeError'],
    ['fw-itinerary-tool-throws', 'exception', 'ToolCallError'],
    ['fw-itinerary-invalid-output', 'validation_error', 'ModelBehaviorError'],
    ['fw-itinerary-output-not-json', 'validation_error', 'ModelBehaviorError'],
  ])("%s is a %s that keeps the SDK's own class %s", async (id, kind, errorClass) => {
    const { event } = await run(id);
    expect(FailureEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({ kind, error: { class: errorClass } });
  });

  it('name the guardrail that tripped and its agent, and locate the failure at that agent', async () => {
    const input = await run('fw-agents-input-guardrail');
    expect(input.event).toMatchObject({
      message: 'exception: InputGuardrailTripwireTriggered: input guardrail "no_card_numbers" of agent Triage tripped',
      location: { step_index: null, agent: 'Triage', span_id: input.trace.otel.span_id },
    });
    expect(input.event?.kind === 'exception' && input.event.error.stack).toMatch(
      /^InputGuardrailTripwireTriggered: input guardrail "no_card_numbers"/,
    );
    // An output guardrail judged its agent's last reply: that model call is where the failure shows.
    const output = await run('fw-agents-output-guardrail');
    const judged = output.trace.steps.findLast((s) => s.type === 'model_call')!;
    expect(judged.agent).toBe('Billing');
    expect(output.event).toMatchObject({
      message: 'exception: OutputGuardrailTripwireTriggered: output guardrail "no_promises" of agent Billing tripped',
      location: { step_index: judged.index, agent: 'Billing', span_id: judged.span_id },
    });
  });

  it("a streamed run cut at its deadline is a timeout, and nothing of the SDK reaches the lab's stderr", async () => {
    // A process of its own, awaited (spawnSync would stall this file's scripted server for the next tests).
    const child = await runCli(['capture', '--filter', 'agents-stream-deadline-cut', '--no-ledger', '--json']);
    expect(child.code, child.stderr).toBe(0);
    expect(child.stderr).toBe('');
    const run = JSON.parse(child.stdout.trim().split('\n')[0]!);
    expect(run).toMatchObject({ scenario: 'agents-stream-deadline-cut', detected: 'timeout', matched: true });
  });

  it('label the turn limit as resource abuse at the last call', async () => {
    const { event, trace: record } = await run('fw-agents-max-turns');
    expect(event!.taxonomy).toMatchObject({
      trail: { path: ['Planning and Coordination Errors', 'Context Management', 'Resource Abuse'] },
      mast: { id: '1.5' },
    });
    expect(event!.location.step_index).toBe(record.steps.findLast((s) => s.type === 'tool_call')!.index);
  });

  it('record an unknown tool the SDK refused as an undeclared tool_call step, where the failure is located', async () => {
    const { event, trace: record } = await run('fw-agents-unknown-tool');
    const step = record.steps.find((s) => s.type === 'tool_call');
    expect(step).toMatchObject({
      tool: 'issue_voucher',
      declared: false,
      status: 'error',
      agent: 'Billing',
      error: { class: 'UnknownToolError' },
    });
    expect(step?.type === 'tool_call' && JSON.parse(step.arguments.text)).toEqual({ invoice_id: 'INV-1001' });
    expect(event).toMatchObject({
      location: { step_index: step!.index, agent: 'Billing' },
      taxonomy: { trail: { path: ['Reasoning Errors', 'Decision Making', 'Tool Selection Errors'] } },
    });
  });

  it('give an invalid structured output its schema issues (the SDK itself redacts them) and keep its class', async () => {
    const invalid = await run('fw-itinerary-invalid-output');
    expect(invalid.event).toMatchObject({
      kind: 'validation_error',
      validation: { source: 'model_output_schema', issues: [{ path: 'steps[0].depends_on', code: 'invalid_type' }] },
      error: { class: 'ModelBehaviorError', cause: { class: 'ZodError' } },
      location: { step_index: 0, agent: 'agents-itinerary' },
    });
    const prose = await run('fw-itinerary-output-not-json');
    expect(prose.event).toMatchObject({
      validation: { source: 'model_output_schema', issues: [{ path: '', code: 'invalid_json' }] },
      error: { cause: { class: 'SyntaxError' } },
    });
    // Near miss: fits the outputType, breaks the subject's own output schema.
    expect((await run('fw-itinerary-empty-plan')).event).toMatchObject({
      kind: 'validation_error',
      validation: { source: 'output_schema' },
    });
  });

  it('pass a run whose tool failed while the SDK carried on, and show the failure in its steps', async () => {
    const { event, trace: record, related } = await run('fw-agents-tool-error-reported');
    expect(event).toBeNull();
    expect(record.steps.find((s) => s.type === 'tool_call')).toMatchObject({
      status: 'error',
      error: { message: 'billing database unavailable' },
      agent: 'Billing',
    });
    expect(related.failure_traces.length).toBe(1);
    const invented = await run('fw-agents-tool-error-invented-amount');
    expect(invented.event).toMatchObject({ kind: 'hallucination_flag', grounding: { flags: [{ claim: '95 EUR' }] } });
  });

  it("turn the SDK's spans into OpenTelemetry spans under the active span: agents, hand-offs, guardrails, no copies of model or tool calls, no text", async () => {
    // The SDK turns its tracing off by default when NODE_ENV is test, as under vitest.
    setTracingDisabled(false);
    exporter.reset();
    // The lab makes its run span the active one while the subject runs: the SDK's spans nest under it.
    const runs = [
      await run('fw-agents-handoff-control', { tracer: telemetry.tracer }),
      await run('fw-agents-output-guardrail', { tracer: telemetry.tracer }),
    ];
    await telemetry.forceFlush();
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.instrumentationScope.name === 'agent-failure-lab/openai-agents');
    const names = [
      'invoke_workflow agent-failure-lab',
      'invoke_agent Triage',
      'guardrail no_card_numbers',
      'handoff Billing',
      'invoke_agent Billing',
      'guardrail no_promises',
    ];
    expect(spans.map((s) => s.name).sort()).toEqual([...names, ...names].sort());
    expect(spans.find((s) => s.name === 'handoff Billing')!.attributes).toEqual({
      'lab.handoff.from': 'Triage',
      'lab.handoff.to': 'Billing',
    });
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const runSpans = new Map(runs.map((r) => [r.trace.otel.trace_id, r.trace.otel.span_id]));
    for (const span of spans) {
      // In the trace of one of the two runs; the workflow span's parent is that run's span, every other span's another span of the SDK's.
      const runSpan = runSpans.get(span.spanContext().traceId);
      expect(runSpan).toBeDefined();
      const parentId = span.parentSpanContext?.spanId;
      if (span.name.startsWith('invoke_workflow ')) expect(parentId).toBe(runSpan);
      else expect(byId.has(parentId!)).toBe(true);
    }
    expect(
      spans
        .filter((s) => s.name === 'guardrail no_promises')
        .map((s) => s.attributes['lab.guardrail.triggered'])
        .sort(),
    ).toEqual([false, true]);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('INV-1001');
  });

  it("leave the process's signal, exit and rejection handling as it was: the SDK's flush listeners are taken off", () => {
    const script = [
      "const events = ['beforeExit', 'SIGINT', 'SIGTERM', 'unhandledRejection'];",
      'const before = events.map((e) => process.listenerCount(e));',
      "await import('./src/frameworks/openai-agents.ts');",
      'console.log(JSON.stringify({ before, after: events.map((e) => process.listenerCount(e)) }));',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const { before, after } = JSON.parse(child.stdout);
    expect(after).toEqual(before);
  });
});
