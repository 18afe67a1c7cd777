import type { FailureCategory, FailureSubcategory, Severity } from '../contracts/failure-record.ts';
import type { FailureSignals } from './failure-signals.ts';

/** One row of the categorization table: when it applies, and what it gives. */
export interface CategoryRule {
  id: string;
  /** The row's condition in words, as the README's table shows it. */
  when: string;
  category: FailureCategory;
  subcategory: FailureSubcategory;
  severity: Severity;
  applies: (s: FailureSignals) => boolean;
}

const TURN_LIMIT = /\bdid not finish within \d+ (turns|steps)\b/;
const TURN_LIMIT_CLASSES = new Set(['MaxTurnsExceededError', 'TurnLimitError', 'StepLimitError']);
const UNKNOWN_TOOL_CLASSES = new Set(['UnknownToolError', 'NoSuchToolError']);
const GUARDRAIL_CLASSES = new Set(['InputGuardrailTripwireTriggered', 'OutputGuardrailTripwireTriggered']);
const CONNECTION_CLASSES = new Set(['APIConnectionError', 'APICallError', 'MalformedBodyError']);
const status = (s: FailureSignals, test: (n: number) => boolean) => s.http_status !== null && test(s.http_status);

/**
 * The categorization table: the first rule that applies decides the category, subcategory and
 * severity (a scenario's `triage` block may override any of them). Failures of the capture
 * itself come first: a wrong label is the worst bug the lab can ship.
 */
export const CATEGORY_RULES: readonly CategoryRule[] = [
  // The capture itself: the scenario is the test, the detector what it tests.
  {
    id: 'capture.false-positive',
    when: 'capture: the scenario expects a failure, the run passed (a test that passes when it should fail)',
    category: 'QA',
    subcategory: 'QA_FALSE_POSITIVE',
    severity: 'CRITICAL',
    applies: (s) => s.capture === 'mismatch' && s.kind === null,
  },
  {
    id: 'capture.false-negative',
    when: 'capture: a control that must pass was detected as a failure (a test that fails when it should pass)',
    category: 'QA',
    subcategory: 'QA_FALSE_NEGATIVE',
    severity: 'CRITICAL',
    applies: (s) => s.capture === 'mismatch' && s.expected === null,
  },
  {
    id: 'capture.wrong-kind',
    when: 'capture: detected a different kind than the scenario expects (the test validates the wrong thing)',
    category: 'QA',
    subcategory: 'QA_ASSERTION_INCORRECT',
    severity: 'CRITICAL',
    applies: (s) => s.capture === 'mismatch',
  },
  {
    id: 'capture.not-stored',
    when: 'capture: a record was not stored',
    category: 'INFRA',
    subcategory: 'INFRA_DEPENDENCY',
    severity: 'CRITICAL',
    applies: (s) => s.capture === 'not_stored',
  },
  {
    id: 'capture.not-retrieved',
    when: 'capture: a record read back differs from the one stored, or cannot be read',
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_STATE_MISMATCH',
    severity: 'CRITICAL',
    applies: (s) => s.capture === 'not_retrieved',
  },
  {
    id: 'capture.scenario-fault',
    when: 'capture: a fault of the scenario kept the run from being classified (a script too short, a check with no sources; exit 2)',
    category: 'QA',
    subcategory: 'QA_TEST_DEBT',
    severity: 'HIGH',
    applies: (s) => s.capture === 'lab_error' && s.lab_exit_code === 2,
  },
  {
    id: 'capture.lab-error',
    when: 'capture: the lab failed internally',
    category: 'INFRA',
    subcategory: 'INFRA_TOOLING',
    severity: 'CRITICAL',
    applies: (s) => s.capture === 'lab_error',
  },
  // A subject's failures.
  {
    id: 'exception.out-of-memory',
    when: 'exception: the worker ran out of memory',
    category: 'INFRA',
    subcategory: 'INFRA_RESOURCE',
    severity: 'CRITICAL',
    applies: (s) => s.kind === 'exception' && s.error_code === 'ERR_WORKER_OUT_OF_MEMORY',
  },
  {
    id: 'timeout.overrun',
    when: 'timeout: synchronous work held the thread past the deadline',
    category: 'INFRA',
    subcategory: 'INFRA_RESOURCE',
    severity: 'HIGH',
    applies: (s) => s.kind === 'timeout' && s.timeout_source === 'overrun',
  },
  {
    id: 'timeout.request',
    when: 'timeout: a request of the run timed out',
    category: 'INFRA',
    subcategory: 'INFRA_NETWORK',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'timeout' && s.timeout_source === 'request_timeout',
  },
  {
    id: 'timeout.deadline',
    when: 'timeout: cut off at the deadline (a hang, an endless stream, a loop)',
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_TIMING',
    severity: 'HIGH',
    applies: (s) => s.kind === 'timeout',
  },
  {
    id: 'exception.turn-limit',
    when: 'exception: the agent ran out of turns or steps',
    category: 'ARCHITECTURE',
    subcategory: 'ARCHITECTURE_INCOMPLETE',
    severity: 'MEDIUM',
    applies: (s) =>
      s.kind === 'exception' && (TURN_LIMIT_CLASSES.has(s.error_class ?? '') || TURN_LIMIT.test(s.message)),
  },
  {
    id: 'exception.rate-limited',
    when: 'exception: HTTP 429 from the model endpoint',
    category: 'INFRA',
    subcategory: 'INFRA_DEPENDENCY',
    severity: 'HIGH',
    applies: (s) => s.kind === 'exception' && status(s, (n) => n === 429),
  },
  {
    id: 'exception.credentials',
    when: 'exception: HTTP 401 or 403',
    category: 'INFRA',
    subcategory: 'INFRA_CREDENTIALS',
    severity: 'HIGH',
    applies: (s) => s.kind === 'exception' && status(s, (n) => n === 401 || n === 403),
  },
  {
    id: 'exception.not-found',
    when: 'exception: HTTP 404 (a wrong model or route)',
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_API_MISMATCH',
    severity: 'HIGH',
    applies: (s) => s.kind === 'exception' && status(s, (n) => n === 404),
  },
  {
    id: 'exception.unavailable',
    when: 'exception: HTTP 502, 503 or 504',
    category: 'INFRA',
    subcategory: 'INFRA_DEPENDENCY',
    severity: 'HIGH',
    applies: (s) => s.kind === 'exception' && status(s, (n) => n === 502 || n === 503 || n === 504),
  },
  {
    id: 'exception.server-error',
    when: 'exception: any other HTTP 5xx',
    category: 'UNKNOWN',
    subcategory: 'OTHER_EXTERNAL',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'exception' && status(s, (n) => n >= 500),
  },
  {
    id: 'exception.connection',
    when: 'exception: the connection or the protocol broke (a cut stream, a malformed body, no answer)',
    category: 'INFRA',
    subcategory: 'INFRA_NETWORK',
    severity: 'MEDIUM',
    applies: (s) =>
      s.kind === 'exception' && (CONNECTION_CLASSES.has(s.error_class ?? '') || /\bterminated\b/.test(s.message)),
  },
  {
    id: 'exception.unknown-tool',
    when: 'exception: a tool the subject never declared',
    category: 'ARCHITECTURE',
    subcategory: 'ARCHITECTURE_DRIFT',
    severity: 'HIGH',
    applies: (s) => s.kind === 'exception' && UNKNOWN_TOOL_CLASSES.has(s.error_class ?? ''),
  },
  {
    id: 'exception.guardrail',
    when: 'exception: a guardrail tripped',
    category: 'GOVERNANCE',
    subcategory: 'GOVERNANCE_ENFORCEMENT_GAP',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'exception' && GUARDRAIL_CLASSES.has(s.error_class ?? ''),
  },
  {
    id: 'exception.tool',
    when: 'exception: thrown by a tool (the failure began at a tool call)',
    category: 'UNKNOWN',
    subcategory: 'OTHER_EXTERNAL',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'exception' && s.component.startsWith('tool:'),
  },
  {
    id: 'exception.non-error',
    when: 'exception: a value that is not an Error was thrown',
    category: 'ARCHITECTURE',
    subcategory: 'ARCHITECTURE_INCORRECT',
    severity: 'LOW',
    applies: (s) =>
      s.kind === 'exception' &&
      s.error_class !== null &&
      /^(string|number|boolean|bigint|symbol|undefined|null|Object)$/.test(s.error_class),
  },
  {
    id: 'exception.other',
    when: "exception: anything else the subject's own code threw",
    category: 'UNKNOWN',
    subcategory: 'UNKNOWN_ROOT_CAUSE',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'exception',
  },
  {
    id: 'validation.model-output',
    when: "validation_error: the model's structured output broke its schema",
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_DATA_MISMATCH',
    severity: 'HIGH',
    applies: (s) => s.kind === 'validation_error' && s.validation_source === 'model_output_schema',
  },
  {
    id: 'validation.output',
    when: "validation_error: the subject's output broke its declared schema",
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_API_MISMATCH',
    severity: 'HIGH',
    applies: (s) => s.kind === 'validation_error' && s.validation_source === 'output_schema',
  },
  {
    id: 'validation.tool',
    when: 'validation_error: a schema inside a tool rejected a value',
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_API_MISMATCH',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'validation_error' && s.validation_source === 'tool_schema',
  },
  {
    id: 'validation.subject',
    when: "validation_error: the subject's own check rejected something else (its config, a tool result)",
    category: 'INTEGRATION',
    subcategory: 'INTEGRATION_DATA_MISMATCH',
    severity: 'MEDIUM',
    applies: (s) => s.kind === 'validation_error',
  },
  {
    id: 'hallucination.tools',
    when: 'hallucination_flag: only declared_tools_only flagged (a tool the subject never declared)',
    category: 'ARCHITECTURE',
    subcategory: 'ARCHITECTURE_DRIFT',
    severity: 'HIGH',
    applies: (s) => s.kind === 'hallucination_flag' && s.grounding.every((g) => g.check === 'declared_tools_only'),
  },
  {
    id: 'hallucination.claims',
    when: 'hallucination_flag: a claim the sources do not support (an id, a number, a quote, a ground truth)',
    category: 'GOVERNANCE',
    subcategory: 'GOVERNANCE_ENFORCEMENT_GAP',
    severity: 'HIGH',
    applies: (s) => s.kind === 'hallucination_flag',
  },
];

/** The last resort: a failure no rule covers. */
const UNCATEGORIZED: Pick<CategoryRule, 'id' | 'category' | 'subcategory' | 'severity'> = {
  id: 'uncategorized',
  category: 'UNKNOWN',
  subcategory: 'UNKNOWN_ROOT_CAUSE',
  severity: 'MEDIUM',
};

/** The category, subcategory and severity of a failure, and the rule that gave them. */
export function categorize(
  signals: FailureSignals,
): Pick<CategoryRule, 'id' | 'category' | 'subcategory' | 'severity'> {
  const rule = CATEGORY_RULES.find((r) => r.applies(signals)) ?? UNCATEGORIZED;
  return { id: rule.id, category: rule.category, subcategory: rule.subcategory, severity: rule.severity };
}

/** The document's SLAs by severity: hours to resolve. "1 month" is 30 days. */
export const SLA_HOURS: Record<Severity, number> = { CRITICAL: 4, HIGH: 24, MEDIUM: 24 * 7, LOW: 24 * 30 };

/** Priority follows severity. */
export const PRIORITY_OF: Record<Severity, 'P0' | 'P1' | 'P2' | 'P3'> = {
  CRITICAL: 'P0',
  HIGH: 'P1',
  MEDIUM: 'P2',
  LOW: 'P3',
};

/** When a failure recorded at `at` must be resolved by. */
export function slaTarget(at: string, severity: Severity): string {
  return new Date(Date.parse(at) + SLA_HOURS[severity] * 3_600_000).toISOString();
}
