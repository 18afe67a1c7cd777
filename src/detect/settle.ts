import type { ErrorInfo } from '../contracts/common.ts';
import type { GroundingFlag, ValidationIssue } from '../contracts/failure-event.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { Redact } from '../internal/redact.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { Subject } from '../subject/subject.ts';
import { classifyThrown, formatPath } from './classify-error.ts';
import { runGroundingCheck } from './grounding.ts';
import type { StepRecorder } from './step-recorder.ts';

/** The one classification of a failing run, as plain data (it crosses from a worker thread). */
export type Detection =
  | { kind: 'timeout'; source: 'deadline' | 'overrun' | 'request_timeout'; error: ErrorInfo | null }
  | { kind: 'exception'; error: ErrorInfo }
  | { kind: 'validation_error'; source: 'output_schema' | 'model_output_schema'; issues: ValidationIssue[]; error: ErrorInfo | null }
  | { kind: 'hallucination_flag'; flags: GroundingFlag[] };

/** A run that threw or rejected: a request timeout, a ZodError from the model's output, or an exception. */
export function settleThrown(error: unknown, redact: Redact): Detection {
  const thrown = classifyThrown(error);
  const info = errorInfo(error, redact);
  if (thrown.kind === 'timeout') return { kind: 'timeout', source: thrown.source, error: info };
  if (thrown.kind === 'validation_error') return { kind: 'validation_error', source: 'model_output_schema', issues: thrown.issues.map((i) => ({ ...i, message: redact(i.message) })), error: info };
  return { kind: 'exception', error: info };
}

/** A run that returned: the output schema, then the scenario's grounding checks; null is a pass. */
export function settleReturned(output: unknown, { subject, scenario, recorder, redact }: { subject: Subject<any, any>; scenario: Scenario; recorder: StepRecorder; redact: Redact }): Detection | null {
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
  return flags.length > 0 ? { kind: 'hallucination_flag', flags } : null;
}
