import type { GroundingFlag, ValidationIssue } from '../contracts/failure-event.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { CheckVerdicts } from '../classify/run-end.ts';
import { runGroundingCheck } from '../grounding/grounding-check.ts';
import { formatPath } from '../internal/format-path.ts';
import type { Redact } from '../internal/redact.ts';
import type { Subject } from '../subject/subject.ts';
import type { TurnReply } from './conversation.ts';
import type { StepRecorder } from './step-recorder.ts';

/**
 * Checks a returned output, recording each check as a step: the subject's output schema, then
 * (when it holds) every grounding check the scenario declares. In a conversation (`replies`, one
 * per turn) every earlier turn's reply is checked against the output schema first, each check
 * carrying its turn, and the first that breaks it is the verdict; the output is the last turn's
 * reply, checked as any output, its checks carrying the last turn. What the verdicts mean for the
 * run's kind is decided in src/classify, not here.
 */
export function runChecks(
  output: unknown,
  {
    subject,
    scenario,
    recorder,
    redact,
    replies = [],
    mcpTools = [],
  }: {
    subject: Subject<any, any>;
    scenario: Scenario;
    recorder: StepRecorder;
    redact: Redact;
    /** A conversation's replies, one per turn that replied (conversation.ts). */
    replies?: readonly TurnReply[];
    /** The tools the subject's MCP servers listed during the run: declared too. */
    mcpTools?: readonly string[];
  },
): CheckVerdicts {
  for (const { turn, reply } of replies.slice(0, -1)) {
    const issues = schemaIssues(subject, reply, redact);
    recorder.check('output_schema', 'check output_schema', issues === null, issuesText(issues), turn);
    if (issues) return { schema: { passed: false, issues }, flags: [] };
  }
  const turn = replies.at(-1)?.turn ?? null;
  const parsed = subject.outputSchema.safeParse(output);
  if (!parsed.success) {
    const issues = schemaIssues(subject, output, redact)!;
    recorder.check('output_schema', 'check output_schema', false, issuesText(issues), turn);
    return { schema: { passed: false, issues }, flags: [] };
  }
  recorder.check('output_schema', 'check output_schema', true, null, turn);
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
      turn,
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

/** The issues of a value against the subject's output schema, redacted; null when it holds. */
function schemaIssues(subject: Subject<any, any>, value: unknown, redact: Redact): ValidationIssue[] | null {
  const parsed = subject.outputSchema.safeParse(value);
  if (parsed.success) return null;
  return parsed.error.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: redact(i.message) }));
}

function issuesText(issues: readonly ValidationIssue[] | null): string | null {
  return issues === null ? null : issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}
