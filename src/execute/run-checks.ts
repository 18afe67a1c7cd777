import type { GroundingFlag } from '../contracts/failure-event.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { CheckVerdicts } from '../classify/run-end.ts';
import { runGroundingCheck } from '../grounding/grounding-check.ts';
import { formatPath } from '../internal/format-path.ts';
import type { Redact } from '../internal/redact.ts';
import type { Subject } from '../subject/subject.ts';
import type { StepRecorder } from './step-recorder.ts';

/**
 * Checks a returned output, recording each check as a step: the subject's output schema, then
 * (when it holds) every grounding check the scenario declares. What the verdicts mean for the
 * run's kind is decided in src/classify, not here.
 */
export function runChecks(
  output: unknown,
  {
    subject,
    scenario,
    recorder,
    redact,
    mcpTools = [],
  }: {
    subject: Subject<any, any>;
    scenario: Scenario;
    recorder: StepRecorder;
    redact: Redact;
    /** The tools the subject's MCP servers listed during the run: declared too. */
    mcpTools?: readonly string[];
  },
): CheckVerdicts {
  const parsed = subject.outputSchema.safeParse(output);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: formatPath(i.path),
      code: i.code,
      message: redact(i.message),
    }));
    recorder.check(
      'output_schema',
      'check output_schema',
      false,
      issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '),
    );
    return { schema: { passed: false, issues }, flags: [] };
  }
  recorder.check('output_schema', 'check output_schema', true, null);
  const flags: GroundingFlag[] = [];
  for (const check of scenario.grounding) {
    const found = runGroundingCheck(check, {
      scenarioId: scenario.id,
      input: scenario.input,
      output: parsed.data,
      steps: recorder.steps,
      declaredTools: [...(subject.tools ?? []).map((t) => t.name), ...mcpTools],
      toolResults: recorder.toolResults,
    });
    recorder.check(
      'grounding',
      `check ${check.check}`,
      found.length === 0,
      found.length ? found.map((f) => f.reason).join('; ') : null,
    );
    flags.push(
      ...found.map((f) => ({
        ...f,
        claim: redact(f.claim),
        reason: redact(f.reason),
        known: f.known?.map(redact) ?? null,
        expected: f.expected === null ? null : redact(f.expected),
      })),
    );
  }
  return { schema: { passed: true }, flags };
}
