import { TraceRecord } from '../contracts/trace-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';

/**
 * Checks a document against the TraceRecord contract at a store's edge: on the way out of a
 * durable store (files can be edited, other versions can write), on the way into the memory
 * store. A record of another schema_version or with unknown fields is refused, never coerced.
 */
export function readRecord(value: unknown, key: string, action: 'read' | 'write' = 'read'): TraceRecord {
  const parsed = TraceRecord.safeParse(value);
  if (parsed.success) return parsed.data;
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  const hint = version !== 1 ? ` (schema_version ${JSON.stringify(version)}; this lab reads and writes version 1)` : '';
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new ContractViolationError({ recordKey: key, message: `${action === 'read' ? 'stored record' : 'record to store'} breaks the TraceRecord contract${hint}: ${issues}` });
}
