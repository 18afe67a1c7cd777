import type { ErrorInfo } from '../contracts/common.ts';
import type { ValidationIssue } from '../contracts/failure-event.ts';
import { formatPath } from '../internal/format-path.ts';
import type { Redact } from '../internal/redact.ts';
import { errorInfo } from '../internal/to-error.ts';
import type { ValidationSource } from './detection.ts';
import { agentOf, originOf } from './error-origin.ts';
import { frameworkVerdict } from './framework-errors.ts';
import { isTimeoutError } from './timeouts.ts';

/** What a thrown value is, as plain data: classified where the value lives (inline, or in the worker). */
export type ThrownVerdict =
  | { kind: 'timeout'; source: 'request_timeout'; error: ErrorInfo }
  | {
      kind: 'validation_error';
      source: Exclude<ValidationSource, 'output_schema'>;
      issues: ValidationIssue[];
      error: ErrorInfo;
      where: string;
    }
  | { kind: 'exception'; error: ErrorInfo; agent?: string };

/**
 * The one place that maps a thrown value to a failure kind:
 * - a timeout error (see isTimeoutError) is a timeout, source request_timeout;
 * - a ZodError is a validation_error whose source says which schema it was: the model's
 *   structured output (thrown inside openai's zod helpers or ctx.parseModelOutput), a tool's own
 *   schema (thrown inside a tool call), or else a schema the subject applied to something else;
 * - an agent framework's structured-output or tool-timeout error, by the table in framework-errors.ts;
 * - anything else, Errors or not, is an exception, its class kept.
 */
export function classifyThrown(error: unknown, redact: Redact): ThrownVerdict {
  const info = errorInfo(error, redact);
  if (isTimeoutError(error)) return { kind: 'timeout', source: 'request_timeout', error: info };
  // A few agent-framework errors are decided by their own table (framework-errors.ts).
  const framework = frameworkVerdict(error, info, redact);
  if (framework) return framework;
  const issues = zodIssues(error);
  if (issues) {
    const origin = originOf(error);
    const redacted = issues.map((i) => ({ ...i, message: redact(i.message) }));
    if (origin?.from === 'model_output')
      return {
        kind: 'validation_error',
        source: 'model_output_schema',
        issues: redacted,
        error: info,
        where: "the model's structured output",
      };
    if (origin?.from === 'tool')
      return {
        kind: 'validation_error',
        source: 'tool_schema',
        issues: redacted,
        error: info,
        where: `a value inside the tool ${origin.tool}`,
      };
    return {
      kind: 'validation_error',
      source: 'subject_schema',
      issues: redacted,
      error: info,
      where: "a value the subject's own code checked (not the model's structured output)",
    };
  }
  const agent = agentOf(error);
  return agent === null ? { kind: 'exception', error: info } : { kind: 'exception', error: info, agent };
}

/** The issues of a ZodError (from any copy of zod: it is recognised by shape), or null for anything else. */
export function zodIssues(error: unknown): ValidationIssue[] | null {
  if (!(error instanceof Error) || error.name !== 'ZodError') return null;
  const raw = (error as { issues?: unknown }).issues;
  if (!Array.isArray(raw) || raw.length === 0) return null;
  return raw.map((issue: { path?: PropertyKey[]; code?: unknown; message?: unknown }) => ({
    path: formatPath(issue.path ?? []),
    code: String(issue.code ?? 'custom'),
    message: String(issue.message ?? ''),
  }));
}
