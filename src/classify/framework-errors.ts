import type { ErrorInfo } from '../contracts/common.ts';
import type { ValidationIssue } from '../contracts/failure-event.ts';
import { formatPath } from '../internal/format-path.ts';
import type { Redact } from '../internal/redact.ts';
import type { ThrownVerdict } from './classify-thrown.ts';

/**
 * An error of an agent framework that the precedence does not decide by its class alone. Every
 * other framework error is an exception, its class kept (MaxTurnsExceededError, ToolCallError,
 * the guardrails' tripwires, NoSuchToolError, InvalidToolInputError, APICallError, RetryError, the
 * AI SDK adapter's StepLimitError, ...); the taxonomy labels those by class.
 */
export interface FrameworkErrorRule {
  readonly framework: '@openai/agents' | 'ai';
  /** The error's constructor name, as the lab records it (`error.class`). */
  readonly errorClass: string;
  /** A further condition, where the framework uses one class for several failures. */
  readonly when?: (error: Error) => boolean;
  readonly kind: 'validation_error' | 'timeout';
  readonly why: string;
}

/** The table (README, "A subject built on a framework"); the first row that matches wins. */
export const FRAMEWORK_ERROR_RULES: readonly FrameworkErrorRule[] = [
  {
    framework: '@openai/agents',
    errorClass: 'ModelBehaviorError',
    when: (error) => error.message.startsWith('Invalid output type'),
    kind: 'validation_error',
    why: "the agent's outputType rejected the final output (not JSON, or not of its shape): the model's structured output broke its schema",
  },
  {
    framework: 'ai',
    errorClass: 'NoObjectGeneratedError',
    kind: 'validation_error',
    why: "Output.object could not parse or validate the reply: the model's structured output broke its schema",
  },
  {
    framework: '@openai/agents',
    errorClass: 'ToolTimeoutError',
    kind: 'timeout',
    why: 'a function tool ran past its own timeoutMs, as an AbortSignal.timeout() that fired',
  },
];

/** The rule a thrown value matches, or null (then the usual precedence decides). */
export function frameworkRuleOf(error: unknown): FrameworkErrorRule | null {
  if (!(error instanceof Error)) return null;
  const errorClass = error.constructor?.name;
  return FRAMEWORK_ERROR_RULES.find((r) => r.errorClass === errorClass && (r.when?.(error) ?? true)) ?? null;
}

/**
 * The verdict for a framework error the table decides: a timeout (source request_timeout), or a
 * validation_error of the model's structured output (source model_output_schema) whose issues come
 * from the error's cause (a ZodError, a TypeValidationError, a JSON parse error). The error itself,
 * with its class, is kept.
 */
export function frameworkVerdict(error: unknown, info: ErrorInfo, redact: Redact): ThrownVerdict | null {
  const rule = frameworkRuleOf(error);
  if (!rule) return null;
  if (rule.kind === 'timeout') return { kind: 'timeout', source: 'request_timeout', error: info };
  const issues = issuesOf(error as Error).map((i) => ({ ...i, message: redact(i.message) }));
  return {
    kind: 'validation_error',
    source: 'model_output_schema',
    issues,
    error: info,
    where: "the model's structured output",
  };
}

/** What broke, read from the cause chain: zod issues, standard-schema issues, or a reply that is not JSON. */
function issuesOf(error: Error): ValidationIssue[] {
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++) {
    const raw = (cause as { issues?: unknown }).issues;
    if (Array.isArray(raw) && raw.length > 0) {
      return raw.map(
        (issue: { path?: readonly (PropertyKey | { key: PropertyKey })[]; code?: unknown; message?: unknown }) => ({
          path: formatPath((issue.path ?? []).map((p) => (typeof p === 'object' && p !== null ? p.key : p))),
          code: String(issue.code ?? 'custom'),
          message: String(issue.message ?? ''),
        }),
      );
    }
    if (cause instanceof SyntaxError || cause.name === 'AI_JSONParseError')
      return [{ path: '', code: 'invalid_json', message: `the reply is not JSON: ${cause.message.split('\n', 1)[0]}` }];
  }
  return [{ path: '', code: 'custom', message: error.message.split('\n', 1)[0] ?? '' }];
}
