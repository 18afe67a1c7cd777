import { randomUUID } from 'node:crypto';
import { context, ROOT_CONTEXT, SpanKind, trace as otel, type Tracer } from '@opentelemetry/api';
import type { OtelRef } from '../contracts/common.ts';
import type { FailureEvent } from '../contracts/failure-event.ts';
import type { InjectedFault } from '../contracts/fault.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { Scenario } from '../contracts/scenario.ts';
import { TRACE_RECORD_VERSION, type TraceRecord } from '../contracts/trace-record.ts';
import { LabError } from '../errors/lab-error.ts';
import { ModelScriptError } from '../errors/model-script-error.ts';
import { ScenarioSetError } from '../errors/scenario-set-error.ts';
import { type Clock, isoTime, systemClock } from '../internal/clock.ts';
import { preview } from '../internal/preview.ts';
import { createRedactor, type Redact, redactedCopy } from '../internal/redact.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { ModelEndpoint, ModelSession } from '../model/model-endpoint.ts';
import { deriveRunRecords, type RunRecords } from '../derive/derive-run-records.ts';
import { subjectFile } from '../scenario/load-subjects.ts';
import type { Subject } from '../subject/subject.ts';
import { endSpan } from '../telemetry/end-span.ts';
import * as attr from '../telemetry/gen-ai-attributes.ts';
import { StepSpans } from '../telemetry/step-spans.ts';
import { localTracer } from '../telemetry/id-tracer.ts';
import { buildEvent } from './build-event.ts';
import { injectedFaults, mcpFaultSources } from '../chaos/injected-faults.ts';
import { plannedFaults } from '../chaos/place-faults.ts';
import { ReplayLog } from '../execute/replay-log.ts';
import { runInline } from '../execute/run-inline.ts';
import { checkConverses } from '../execute/conversation.ts';
import { withoutSubjectConsole } from '../execute/subject-console.ts';
import type { RunRequest } from '../execute/run-outcome.ts';
import { formatPath } from '../internal/format-path.ts';

/** How a run is isolated: in the lab's thread, or in a worker thread terminated at the deadline. */
export type Isolation = 'inline' | 'worker';

/** How to run one scenario; everything but the model endpoint has a real default. */
export interface DetectionOptions {
  /** The scripted server, or a live endpoint. */
  model: ModelEndpoint;
  /** Overrides the scenario's deadline_ms. */
  timeoutMs?: number;
  /** The isolation of a scenario that does not set its own; a scenario that says worker always gets one. */
  isolation?: Isolation;
  tracer?: Tracer;
  /** For inline runs; a worker run keeps time on the system clock, which its thread shares. */
  clock?: Clock;
  newId?: () => string;
  /** Values removed from everything recorded (API keys, ...); none by default. */
  secrets?: readonly string[];
  /** Which repetition of the scenario this is (capture --repeat). */
  repeatIndex?: number;
  /** The capture (build) this run belongs to, recorded as the TraceRecord's build_id. */
  buildId?: string | null;
  /** The attempt of the build (one capture process), recorded as the TraceRecord's attempt_id. */
  attemptId?: string | null;
  /** Keep every model exchange and tool result whole in the record (capture --record-replies), for `failures reproduce`. */
  recordReplies?: boolean;
  /**
   * False runs ctx.recovery's helpers without recording them: the subject does exactly the same,
   * but the trace has no recovery steps and a degraded run is no longer told from a pass.
   * Default true; false exists to show that recording changes nothing the subject does.
   */
  recordRecovery?: boolean;
}

/** The classification of one run, its full record, and the failure, recovery and fallback records derived from it. */
export interface DetectionResult {
  event: FailureEvent | null;
  trace: TraceRecord;
  related: RunRecords;
  /**
   * The faults the model endpoint applied to the run's calls (a live run's scripted faults, see
   * docs/live.md), each with the step that shows it; [] for none. Not yet part of the record.
   */
  injectedFaults: InjectedFault[];
}

/** The isolation a run gets: a scenario that sets worker always gets one; otherwise its own setting, then the caller's. */
export function effectiveIsolation(scenario: Scenario, fallback: Isolation = 'inline'): Isolation {
  return scenario.isolation ?? fallback;
}

const NO_SECRETS: readonly string[] = [];
const redactors = new WeakMap<readonly string[], Redact>();

const merged = new WeakMap<readonly string[], WeakMap<readonly string[], readonly string[]>>();

/** The caller's secrets and the endpoint's, as one list that is the same array run after run (so its redactor is shared). */
function secretsOf(options: DetectionOptions): readonly string[] {
  const own = options.secrets ?? NO_SECRETS;
  const endpoint = options.model.secrets;
  if (!endpoint || endpoint.length === 0) return own;
  let byEndpoint = merged.get(own);
  if (!byEndpoint) merged.set(own, (byEndpoint = new WeakMap()));
  let list = byEndpoint.get(endpoint);
  if (!list) byEndpoint.set(endpoint, (list = [...new Set([...own, ...endpoint])]));
  return list;
}

/** One redactor per list of secrets, so callers that pass the same list share it (and its caches). */
function redactorFor(secrets: readonly string[]): Redact {
  let redact = redactors.get(secrets);
  if (!redact) redactors.set(secrets, (redact = createRedactor(secrets)));
  return redact;
}

/**
 * Runs a subject on a scenario and classifies the run as timeout, exception, validation_error,
 * hallucination_flag or a pass (precedence in that order, see KIND_PRECEDENCE). It never throws
 * for a failure of the subject; a fault of the lab or the scenario is thrown as a LabError.
 */
export async function runWithFailureDetection<I, O>(
  subject: Subject<I, O>,
  scenario: Scenario,
  options: DetectionOptions,
): Promise<DetectionResult> {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const secrets = secretsOf(options);
  const redact = redactorFor(secrets);
  const tracer = options.tracer ?? localTracer();
  const deadlineMs = options.timeoutMs ?? scenario.deadline_ms;
  // A command subject's process is isolated already (docs/command-subjects.md), and a subject with
  // MCP servers has its proxy in the lab's thread (docs/chaos-mcp.md): both always run inline.
  const isolation =
    subject.runsAsProcess || subject.mcp_servers ? 'inline' : effectiveIsolation(scenario, options.isolation);

  checkConverses(subject, scenario);
  const parsedInput = subject.inputSchema.safeParse(scenario.input);
  if (!parsedInput.success) {
    throw new ScenarioSetError({
      problems: parsedInput.error.issues.map((i) => ({
        file: `scenario ${scenario.id}`,
        path: formatPath(['input', ...i.path]),
        message: i.message,
      })),
    });
  }
  const file = isolation === 'worker' ? subjectFile(subject) : undefined;
  if (isolation === 'worker' && !file) {
    throw new LabError({
      message: `scenario ${scenario.id}: worker isolation loads the subject from its file, but ${subject.id} was not loaded with loadSubjects`,
      exitCode: 2,
    });
  }

  const traceId = newId();
  const root = tracer.startSpan(`invoke_agent ${subject.id}`, {
    kind: SpanKind.INTERNAL,
    attributes: {
      [attr.GEN_AI_OPERATION_NAME]: 'invoke_agent',
      [attr.GEN_AI_AGENT_NAME]: subject.id,
      [attr.GEN_AI_PROVIDER_NAME]: 'openai',
      [attr.GEN_AI_CONVERSATION_ID]: traceId,
      [attr.LAB_SCENARIO_ID]: scenario.id,
    },
  });
  const otelRef: OtelRef = { trace_id: root.spanContext().traceId, span_id: root.spanContext().spanId };
  const runContext = otel.setSpan(ROOT_CONTEXT, root);
  let session: ModelSession;
  try {
    session = options.model.open(scenario, traceId, { closeConnections: isolation === 'worker' });
  } catch (error) {
    // A script the endpoint refuses is the lab's failure: the run span still ends, and says so.
    endSpan(root, { errorType: 'lab_error', error: errorInfo(error, redact) });
    throw error;
  }
  try {
    const request: RunRequest<I> = {
      subject,
      scenario,
      input: parsedInput.data,
      session: {
        baseURL: session.baseURL,
        apiKey: session.apiKey,
        model: session.model,
        scripted: options.model.mode === 'scripted',
      },
      deadlineMs,
      clock,
      redact,
      secrets,
      spans: new StepSpans(tracer, runContext, { endpoint: session.baseURL }),
      recordRecovery: options.recordRecovery ?? true,
      replay: options.recordReplies ? new ReplayLog() : null,
    };
    // The worker machinery (a thread pool) is loaded by the first worker run only.
    // Inline, the run span is the active span, so spans a framework opens itself nest under it.
    const outcome = file
      ? await (await import('../execute/run-worker.ts')).runInWorker({ ...request, subjectFile: file })
      : await withoutSubjectConsole(() => context.with(runContext, () => runInline(request)));

    const faults = session.labFaults();
    if (faults.length > 0)
      throw new ModelScriptError({
        scenarioId: scenario.id,
        message: faults.join('; '),
      });

    const elapsedMs = outcome.endMs - outcome.startMs;
    const failureId = outcome.detection ? newId() : null;
    const event =
      outcome.detection && failureId
        ? buildEvent(outcome.detection, {
            failureId,
            traceId,
            subjectId: subject.id,
            scenarioId: scenario.id,
            otel: otelRef,
            deadlineMs,
            elapsedMs,
            occurredAt: isoTime(outcome.endMs),
            steps: outcome.steps,
          })
        : null;
    // Built by typed code and not parsed again here (that was a third of the wrapper's cost);
    // stores check every record against the contract, and the tests check every shipped scenario's.
    const liveFaults = redactedFaults(injectedFaultsOf(session.injectedFaults?.() ?? [], outcome.steps), redact);
    const record: TraceRecord = {
      schema_version: TRACE_RECORD_VERSION,
      trace_id: traceId,
      build_id: options.buildId ?? null,
      attempt_id: options.attemptId ?? null,
      subject_id: subject.id,
      scenario_id: scenario.id,
      expected: scenario.expected,
      detected: event?.kind ?? null,
      failure_id: failureId,
      failure: event,
      run: { mode: options.model.mode, isolation, deadline_ms: deadlineMs, repeat_index: options.repeatIndex ?? 0 },
      model: { name: session.model },
      started_at: isoTime(outcome.startMs),
      ended_at: isoTime(outcome.endMs),
      duration_ms: elapsedMs,
      input: inputPreview(scenario, redact),
      output: outcome.output,
      steps: outcome.steps,
      otel: otelRef,
      replay: request.replay instanceof ReplayLog ? request.replay.toReplay(scenario, outcome.steps, redact) : null,
      // By construction (docs/chaos.md): the script's, a variant's or fuzz's faults, the MCP proxy's, and the live endpoint's.
      // A fault's text (a tool error's message, an MCP result) is redacted like everything else in a record.
      injected_faults: redactedFaults(
        [
          ...injectedFaults(plannedFaults(scenario), outcome.steps, options.model.mode),
          ...mcpFaultSources(outcome.injectedFaults ?? [], plannedFaults(scenario)),
          ...liveFaults,
        ],
        redact,
      ),
    };
    root.setAttribute(attr.LAB_EXPECTED, scenario.expected ?? 'pass');
    root.setAttribute(attr.LAB_DETECTED, event?.kind ?? 'pass');
    if (event) root.setAttribute(attr.LAB_FAILURE_ID, event.failure_id);
    endSpan(
      root,
      event
        ? {
            errorType: event.kind === 'exception' ? event.error.class : event.kind,
            error: 'error' in event ? event.error : null,
            message: event.message,
          }
        : undefined,
      outcome.endMs,
    );
    return {
      event,
      trace: record,
      related: deriveRunRecords(record, newId),
      injectedFaults: liveFaults,
    };
  } catch (error) {
    if (root.isRecording()) endSpan(root, { errorType: 'lab_error', error: errorInfo(error, redact) });
    throw error;
  } finally {
    session.close();
  }
}

/**
 * The faults an endpoint applied, each with its step: the n-th model call is the n-th model_call
 * step in the order the steps began (the order the calls reached the endpoint).
 */
function injectedFaultsOf(
  applied: readonly Omit<InjectedFault, 'step_index'>[],
  steps: readonly TraceStep[],
): InjectedFault[] {
  if (applied.length === 0) return [];
  const calls = steps.filter((s) => s.type === 'model_call').sort((a, b) => a.index - b.index);
  return applied.map(({ source, site, step_type, fault }) => ({
    source,
    site,
    step_index: 'model_call' in site ? (calls[site.model_call - 1]?.index ?? null) : null,
    step_type,
    fault,
  }));
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

/** The faults with every secret in their text redacted (a tool error's message may quote one). */
function redactedFaults(faults: InjectedFault[], redact: Redact): InjectedFault[] {
  if (!redact.active) return faults;
  return faults.map((f) => ({ ...f, fault: redactedCopy(f.fault, redact) as InjectedFault['fault'] }));
}
