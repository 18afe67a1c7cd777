import { contractFor, type LabRecord } from '../contracts/lab-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';

const NAMES = { trace_record: 'TraceRecord', failure_trace: 'FailureTrace', recovery_trace: 'RecoveryTrace', fallback: 'FallbackRecord' } as const;

/**
 * Checks a document against its contract at a store's edge: on the way out of a durable store
 * (files can be edited, other versions can write), on the way into the memory store. The contract
 * is chosen by trace_type (failure, recovery) or record_type (fallback); anything else is a run.
 * A record of another schema_version or with unknown fields is refused, never coerced.
 */
export function readRecord(value: unknown, key: string, action: 'read' | 'write' = 'read'): LabRecord {
  const { type, schema } = contractFor(value);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  const hint = version !== 1 ? ` (schema_version ${JSON.stringify(version)}; this lab reads and writes version 1)` : '';
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new ContractViolationError({ recordKey: key, message: `${action === 'read' ? 'stored record' : 'record to store'} breaks the ${NAMES[type]} contract${hint}: ${issues}` });
}
