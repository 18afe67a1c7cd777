import { APIConnectionTimeoutError } from 'openai';
import type { ValidationIssue } from '../contracts/failure-event.ts';

/** How a thrown value is classified. */
export type ThrownClass =
  | { kind: 'timeout'; source: 'request_timeout' }
  | { kind: 'validation_error'; issues: ValidationIssue[] }
  | { kind: 'exception' };

/**
 * The one place that maps thrown values to failure kinds. openai SDK errors are told apart by
 * instanceof (their .name is "Error"); a ZodError, such as openai's zod helpers throw for
 * schema-invalid model output, is recognised by shape so a second copy of zod still counts.
 */
export function classifyThrown(error: unknown): ThrownClass {
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', source: 'request_timeout' };
  const issues = zodIssues(error);
  if (issues) return { kind: 'validation_error', issues };
  return { kind: 'exception' };
}

/** The issues of a ZodError (from any copy of zod), or null for anything else. */
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

/** ["items", 0, "price"] as "items[0].price". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}
