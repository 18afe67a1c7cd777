import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace as otel, type Tracer } from '@opentelemetry/api';
import OpenAI from 'openai';
import pTimeout from 'p-timeout';
import type { ErrorInfo, OtelRef } from '../contracts/common.ts';
import type { FailureEvent, GroundingFlag, ValidationIssue } from '../contracts/failure-event.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import { ModelScriptError } from '../errors/model-script-error.ts';
import { ScenarioSetError } from '../errors/scenario-set-error.ts';
import { type Clock, isoTime, systemClock } from '../internal/clock.ts';
import { preview } from '../internal/preview.ts';
import { createRedactor, type Redact } from '../internal/redact.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { ModelEndpoint } from '../model/model-endpoint.ts';
import type { Subject } from '../subject/subject.ts';
import { endSpan } from '../telemetry/end-span.ts';
import * as attr from '../telemetry/gen-ai-attributes.ts';
import { localTracer } from '../telemetry/telemetry.ts';
import { classifyThrown, formatPath } from './classify-error.ts';
import { runGroundingCheck } from './grounding.ts';
import { StepRecorder } from './step-recorder.ts';
import { ToolRunner } from './tool-runner.ts';

/** How to run one scenario; everything but the model endpoint has a real default. */
export interface DetectionOptions {
  /** The scripted server, or a live endpoint. */
  model: ModelEndpoint;
  /** Overrides the scenario's deadline_ms. */
  timeoutMs?: number;
  tracer?: Tracer;
  clock?: Clock;
  newId?: () => string;
  /** Removes secrets from everything recorded; defaults to removing nothing. */
  redact?: Redact;
  /** Which repetition of the scenario this is (capture --repeat). */
  repeatIndex?: number;
}

/** The classification of one run and its full record. */
export interface DetectionResult {
  event: FailureEvent | null;
  trace: TraceRecord;
}

/** The reason the run's signal is aborted with at its deadline. */
export class RunDeadlineError extends Error {
  constructor(deadlineMs: number) {
    super(`run deadline of ${deadlineMs} ms passed`);
    this.name = 'RunDeadlineError';
  }
}

const CUT_OFF = Symbol('cut off');
const NO_REDACTION = createRedactor([]);

type Detection =
  | { kind: 'timeout'; source: 'deadline' | 'overrun' | 'request_timeout'; error: unknown; hasError: boolean }
  | { kind: 'exception'; error: unknown }
  | { kind: 'validation_error'; source: 'output_schema' | 'model_output_schema'; issues: ValidationIssue[]; error: unknown; hasError: boolean }
  | { kind: 'hallucination_flag'; flags: GroundingFlag[] };

/**
 * Runs a subject on a scenario and classifies the run as timeout, exception, validation_error,
 * hallucination_flag or a pass (precedence in that order, see KIND_PRECEDENCE). It never throws
 * for a failure of the subject; a fault of the lab or the scenario is thrown as a LabError.
 */
export async function runWithFailureDetection<I, O>(subject: Subject<I, O>, scenario: Scenario, options: DetectionOptions): Promise<DetectionResult> {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const redact = options.redact ?? NO_REDACTION;
  const tracer = options.tracer ?? localTracer();
  const deadlineMs = options.timeoutMs ?? scenario.deadline_ms;

  const parsedInput = subject.inputSchema.safeParse(scenario.input);
  if (!parsedInput.success) {
    throw new ScenarioSetError({
      problems: parsedInput.error.issues.map((i) => ({ file: `scenario ${scenario.id}`, path: formatPath(['input', ...i.path]), message: i.message })),
    });
  }

  const traceId = newId();
  const root = tracer.startSpan(`invoke_agent ${subject.id}`, {
    kind: SpanKind.INTERNAL,
    attributes: { [attr.GEN_AI_OPERATION_NAME]: 'invoke_agent', [attr.GEN_AI_AGENT_NAME]: subject.id, [attr.GEN_AI_CONVERSATION_ID]: traceId, [attr.LAB_SCENARIO_ID]: scenario.id },
  });
  const otelRef: OtelRef = { trace_id: root.spanContext().traceId, span_id: root.spanContext().spanId };
  const recorder = new StepRecorder({ clock, tracer, parent: otel.setSpan(ROOT_CONTEXT, root), redact });
  const controller = new AbortController();
  const session = options.model.open(scenario, traceId);
  try {
    const tools = new ToolRunner({ specs: subject.tools ?? [], fixtures: scenario.tools, recorder, signal: controller.signal });
    let client: OpenAI | undefined;
    const ctx = {
      input: parsedInput.data,
      // Built on first use: constructing an openai client costs more than the rest of the wrapper.
      get client(): OpenAI {
        client ??= new OpenAI({
          baseURL: session.baseURL,
          apiKey: session.apiKey,
          maxRetries: scenario.client.max_retries,
          timeout: scenario.client.timeout_ms ?? deadlineMs + 1000,
          fetch: recorder.fetch(controller.signal),
        });
        return client;
      },
      model: session.model,
      tools,
      signal: controller.signal,
    };

    const startMs = clock();
    // Promise.resolve().then turns a synchronous throw into a rejection like any other.
    const running = Promise.resolve().then(() => subject.run(ctx));
    running.catch(() => {}); // Still observed below; this keeps a late rejection after a cut-off from being unhandled.
    let result: { value: unknown } | { error: unknown } | typeof CUT_OFF;
    try {
      const value = await pTimeout(running, { milliseconds: deadlineMs, fallback: () => CUT_OFF });
      result = value === CUT_OFF ? CUT_OFF : { value };
    } catch (error) {
      result = { error };
    }
    const endMs = clock();
    const elapsedMs = endMs - startMs;
    if (result === CUT_OFF) controller.abort(new RunDeadlineError(deadlineMs));
    const steps = recorder.finish(result === CUT_OFF);

    const faults = session.labFaults();
    if (faults.length > 0) throw new ModelScriptError({ scenarioId: scenario.id, message: `${faults.join('; ')}. Add replies to model.replies in the scenario file.` });

    const output = result !== CUT_OFF && 'value' in result ? result.value : undefined;
    const detection = detect({ result, elapsedMs, deadlineMs, output, subject, scenario, recorder, steps });

    const failureId = detection ? newId() : null;
    const event = detection && failureId ? buildEvent({ detection, failureId, traceId, subject, scenario, otelRef, redact, deadlineMs, elapsedMs, occurredAt: isoTime(endMs), steps: recorder.steps }) : null;
    const record: TraceRecord = {
      schema_version: 1 as const,
      trace_id: traceId,
      subject_id: subject.id,
      scenario_id: scenario.id,
      expected: scenario.expected,
      detected: event?.kind ?? null,
      failure_id: failureId,
      failure: event,
      run: { mode: options.model.mode, isolation: 'inline' as const, deadline_ms: deadlineMs, repeat_index: options.repeatIndex ?? 0 },
      model: { name: session.model },
      started_at: isoTime(startMs),
      ended_at: isoTime(endMs),
      duration_ms: elapsedMs,
      input: inputPreview(scenario, redact),
      output: result !== CUT_OFF && 'value' in result ? preview(output, redact) : null,
      steps: [...recorder.steps],
      otel: otelRef,
    };
    root.setAttribute(attr.LAB_EXPECTED, scenario.expected ?? 'pass');
    root.setAttribute(attr.LAB_DETECTED, event?.kind ?? 'pass');
    if (event) root.setAttribute(attr.LAB_FAILURE_ID, event.failure_id);
    endSpan(root, event ? { errorType: event.kind === 'exception' ? event.error.class : event.kind, error: 'error' in event ? event.error : null, message: event.message } : undefined);

    // The record is built by typed code and not parsed again here (that was a third of the
    // wrapper's cost); stores check every record against the contract when they read it, and the
    // tests check the record of every shipped scenario.
    return { event, trace: record };
  } catch (error) {
    if (root.isRecording()) endSpan(root, { errorType: 'lab_error', error: errorInfo(error, redact) });
    controller.abort();
    throw error;
  } finally {
    session.close();
  }
}

/** Decides the one kind a run gets, in KIND_PRECEDENCE order; null is a pass. */
function detect({
  result,
  elapsedMs,
  deadlineMs,
  output,
  subject,
  scenario,
  recorder,
  steps,
}: {
  result: { value: unknown } | { error: unknown } | typeof CUT_OFF;
  elapsedMs: number;
  deadlineMs: number;
  output: unknown;
  subject: Subject<any, any>;
  scenario: Scenario;
  recorder: StepRecorder;
  steps: readonly TraceStep[];
}): Detection | null {
  if (result === CUT_OFF) return { kind: 'timeout', source: 'deadline', error: undefined, hasError: false };
  // p-timeout cannot interrupt synchronous work: a run that came back late is still a timeout.
  if (elapsedMs > deadlineMs) return { kind: 'timeout', source: 'overrun', error: 'error' in result ? result.error : undefined, hasError: 'error' in result };
  if ('error' in result) {
    const thrown = classifyThrown(result.error);
    if (thrown.kind === 'timeout') return { kind: 'timeout', source: thrown.source, error: result.error, hasError: true };
    if (thrown.kind === 'validation_error') return { kind: 'validation_error', source: 'model_output_schema', issues: thrown.issues, error: result.error, hasError: true };
    return { kind: 'exception', error: result.error };
  }
  const parsed = subject.outputSchema.safeParse(output);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: i.message }));
    recorder.check('output_schema', 'check output_schema', false, issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '));
    return { kind: 'validation_error', source: 'output_schema', issues, error: undefined, hasError: false };
  }
  recorder.check('output_schema', 'check output_schema', true, null);
  const flags: GroundingFlag[] = [];
  for (const check of scenario.grounding) {
    const found = runGroundingCheck(check, {
      scenarioId: scenario.id,
      input: scenario.input,
      output: parsed.data,
      steps,
      declaredTools: (subject.tools ?? []).map((t) => t.name),
      toolResults: recorder.toolResults,
    });
    recorder.check('grounding', `check ${check.check}`, found.length === 0, found.length ? found.map((f) => f.reason).join('; ') : null);
    flags.push(...found);
  }
  return flags.length > 0 ? { kind: 'hallucination_flag', flags } : null;
}

function buildEvent({
  detection,
  failureId,
  traceId,
  subject,
  scenario,
  otelRef,
  redact,
  deadlineMs,
  elapsedMs,
  occurredAt,
  steps,
}: {
  detection: Detection;
  failureId: string;
  traceId: string;
  subject: Subject<any, any>;
  scenario: Scenario;
  otelRef: OtelRef;
  redact: Redact;
  deadlineMs: number;
  elapsedMs: number;
  occurredAt: string;
  steps: readonly TraceStep[];
}): FailureEvent {
  const failedStep = [...steps].reverse().find((s) => s.status !== 'ok');
  const base = {
    schema_version: 1 as const,
    failure_id: failureId,
    trace_id: traceId,
    subject_id: subject.id,
    scenario_id: scenario.id,
    occurred_at: occurredAt,
    step_index: failedStep?.index ?? null,
    otel: otelRef,
  };
  const info = (error: unknown, present: boolean): ErrorInfo | null => (present ? errorInfo(error, redact) : null);
  switch (detection.kind) {
    case 'timeout': {
      const error = info(detection.error, detection.hasError);
      const what = {
        deadline: `the run was cut off at its ${deadlineMs} ms deadline`,
        overrun: `the run ended after its ${deadlineMs} ms deadline (synchronous work cannot be cut off inline)`,
        request_timeout: 'a model request timed out in the openai client',
      }[detection.source];
      return { ...base, kind: 'timeout', message: `timeout: ${what}`, timeout: { source: detection.source, deadline_ms: deadlineMs, elapsed_ms: elapsedMs }, error };
    }
    case 'exception': {
      const error = errorInfo(detection.error, redact);
      return { ...base, kind: 'exception', message: `exception: ${error.class}: ${firstLine(error.message)}`, error };
    }
    case 'validation_error': {
      const first = detection.issues[0]!;
      const where = detection.source === 'output_schema' ? 'the output' : "the model's structured output";
      return {
        ...base,
        kind: 'validation_error',
        message: `validation_error: ${where} breaks its schema at ${first.path || '(root)'}: ${first.message}${detection.issues.length > 1 ? ` (+${detection.issues.length - 1} more)` : ''}`,
        validation: { source: detection.source, issues: detection.issues.map((i) => ({ ...i, message: redact(i.message) })) },
        error: info(detection.error, detection.hasError),
      };
    }
    case 'hallucination_flag': {
      const first = detection.flags[0]!;
      return {
        ...base,
        kind: 'hallucination_flag',
        message: `hallucination_flag: ${first.check}: ${redact(first.reason)}${detection.flags.length > 1 ? ` (+${detection.flags.length - 1} more)` : ''}`,
        grounding: { flags: detection.flags.map((f) => ({ ...f, claim: redact(f.claim), reason: redact(f.reason), known: f.known?.map(redact) ?? null, expected: f.expected === null ? null : redact(f.expected) })) },
      };
    }
  }
}

const inputPreviews = new WeakMap<Scenario, WeakMap<Redact, TraceRecord['input']>>();

/** A scenario's input never changes between its runs, so its preview is computed once. */
function inputPreview(scenario: Scenario, redact: Redact): TraceRecord['input'] {
  let byRedact = inputPreviews.get(scenario);
  if (!byRedact) inputPreviews.set(scenario, (byRedact = new WeakMap()));
  let cached = byRedact.get(redact);
  if (!cached) byRedact.set(redact, (cached = preview(scenario.input, redact)));
  return { ...cached };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
