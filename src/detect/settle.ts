import type { ErrorInfo } from '../contracts/common.ts';
import type { GroundingFlag, ValidationIssue } from '../contracts/failure-event.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { Redact } from '../internal/redact.ts';
import { firstUnrecovered } from '../recovery/episodes.ts';
import type { RecoveryKit } from '../recovery/recovery-kit.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { Subject } from '../subject/subject.ts';
import { classifyThrown, formatPath } from './classify-error.ts';
import { runGroundingCheck } from './grounding.ts';
import type { StepRecorder } from './step-recorder.ts';

/** The one classification of a failing run, as plain data (it crosses from a worker thread). */
export type Detection = (
  | { kind: 'timeout'; source: 'deadline' | 'overrun' | 'request_timeout'; error: ErrorInfo | null }
  | { kind: 'exception'; error: ErrorInfo }
  | { kind: 'validation_error'; source: 'output_schema' | 'model_output_schema'; issues: ValidationIssue[]; error: ErrorInfo | null }
  | { kind: 'hallucination_flag'; flags: GroundingFlag[] }
) & {
  /** Added to the event's message: why a run that returned a valid answer still failed (it was degraded). */
  note?: string;
};

/** A run that threw or rejected: a request timeout, a ZodError from the model's output, or an exception. */
export function settleThrown(error: unknown, redact: Redact): Detection {
  const thrown = classifyThrown(error);
  const info = errorInfo(error, redact);
  if (thrown.kind === 'timeout') return { kind: 'timeout', source: thrown.source, error: info };
  if (thrown.kind === 'validation_error') return { kind: 'validation_error', source: 'model_output_schema', issues: thrown.issues.map((i) => ({ ...i, message: redact(i.message) })), error: info };
  return { kind: 'exception', error: info };
}

/**
 * A run that returned: the output schema, then the scenario's grounding checks, then recovery.
 * A run whose answer passes every check but came from a recovery it did not fully recover from
 * (a fallback of lower confidence, an escalation, a failure it swallowed) keeps the kind of the
 * failure that started that recovery, as if that error had been thrown out of the run. Null is a pass.
 */
export function settleReturned(output: unknown, { subject, scenario, recorder, redact, recovery }: { subject: Subject<any, any>; scenario: Scenario; recorder: StepRecorder; redact: Redact; recovery: RecoveryKit }): Detection | null {
  const parsed = subject.outputSchema.safeParse(output);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: redact(i.message) }));
    recorder.check('output_schema', 'check output_schema', false, issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '));
    return { kind: 'validation_error', source: 'output_schema', issues, error: null };
  }
  recorder.check('output_schema', 'check output_schema', true, null);
  const flags: GroundingFlag[] = [];
  for (const check of scenario.grounding) {
    const found = runGroundingCheck(check, {
      scenarioId: scenario.id,
      input: scenario.input,
      output: parsed.data,
      steps: recorder.steps,
      declaredTools: (subject.tools ?? []).map((t) => t.name),
      toolResults: recorder.toolResults,
    });
    recorder.check('grounding', `check ${check.check}`, found.length === 0, found.length ? found.map((f) => f.reason).join('; ') : null);
    flags.push(...found.map((f) => ({ ...f, claim: redact(f.claim), reason: redact(f.reason), known: f.known?.map(redact) ?? null, expected: f.expected === null ? null : redact(f.expected) })));
  }
  if (flags.length > 0) return { kind: 'hallucination_flag', flags };
  return settleDegraded(recorder.steps, recovery, redact);
}

/** The kind a degraded run keeps: that of the failure its first unrecovered episode answered. */
function settleDegraded(steps: readonly TraceStep[], recovery: RecoveryKit, redact: Redact): Detection | null {
  const episode = firstUnrecovered(steps);
  if (!episode) return null;
  const how = episode.unresolved ? 'its recovery failed and the subject went on' : `it went on degraded (${episode.actions.map((a) => (a.fallback ? `fallback ${a.fallback.type}` : a.action)).join(', ')})`;
  const note = `the run returned an answer, but ${how}`;
  const live = recovery.triggerErrorOf(episode.episode);
  if (live !== null && live !== undefined) return { ...settleThrown(live, redact), note };
  const step = episode.trigger.step_index === null ? undefined : steps[episode.trigger.step_index];
  const error: ErrorInfo = step?.error ?? { class: 'Error', name: 'Error', message: episode.trigger.message ?? 'failure without an error', stack: null, thrown: 'error', code: null, status: null, cause: null };
  if (error.class === 'APIConnectionTimeoutError') return { kind: 'timeout', source: 'request_timeout', error, note };
  return { kind: 'exception', error, note };
}
