import { TraceRecord } from '../contracts/trace-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';

/**
 * Checks a stored document against the TraceRecord contract on its way out of a store.
 * A record of another schema_version or with unknown fields is refused, never coerced.
 */
export function readRecord(value: unknown, key: string): TraceRecord {
  const parsed = TraceRecord.safeParse(value);
  if (parsed.success) return parsed.data;
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  const hint = version !== 1 ? ` (schema_version ${JSON.stringify(version)}; this lab reads version 1)` : '';
  throw new ContractViolationError({ recordKey: key, message: `stored record breaks the TraceRecord contract${hint}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` });
}
