import { RECORD_CONTRACTS, type LabRecord, recordTypeOf } from '../contracts/lab-record.ts';
import { upgradeTraceRecordV1 } from '../contracts/migrate-v1.ts';
import { upgradeTraceRecordV2 } from '../contracts/migrate-v2.ts';
import { upgradeTraceRecordV3 } from '../contracts/migrate-v3.ts';
import { TRACE_RECORD_VERSION } from '../contracts/trace-record.ts';
import { TraceRecordV1 } from '../contracts/v1/trace-record.ts';
import { TraceRecordV2 } from '../contracts/v2/trace-record.ts';
import { TraceRecordV3 } from '../contracts/v3/trace-record.ts';
import { ContractViolationError } from '../errors/contract-violation-error.ts';

/**
 * Checks a document against its contract at a store's edge: on the way out of a durable store
 * (files can be edited, other versions can write), on the way into the memory store. A run of
 * schema_version 1, 2 or 3 is read by its version's contract and upgraded (migrate-v1.ts,
 * migrate-v2.ts, migrate-v3.ts); it is written only as the current version. A record of an unknown schema_version or with unknown fields is
 * refused, never coerced.
 */
export function readRecord(value: unknown, key: string, action: 'read' | 'write' = 'read'): LabRecord {
  const type = recordTypeOf(value);
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  if (type === 'trace_record' && version === 1 && action === 'read') {
    const old = TraceRecordV1.safeParse(value);
    if (old.success) return upgradeTraceRecordV1(old.data);
    throw refused(key, action, 'TraceRecord (version 1)', old.error.issues, '');
  }
  if (type === 'trace_record' && version === 2 && action === 'read') {
    const old = TraceRecordV2.safeParse(value);
    if (old.success) return upgradeTraceRecordV2(old.data);
    throw refused(key, action, 'TraceRecord (version 2)', old.error.issues, '');
  }
  if (type === 'trace_record' && version === 3 && action === 'read') {
    const old = TraceRecordV3.safeParse(value);
    if (old.success) return upgradeTraceRecordV3(old.data);
    throw refused(key, action, 'TraceRecord (version 3)', old.error.issues, '');
  }
  const contract = RECORD_CONTRACTS[type];
  const parsed = contract.schema.safeParse(value);
  if (parsed.success) return parsed.data as LabRecord;
  const current = type === 'trace_record' ? TRACE_RECORD_VERSION : 1;
  const hint =
    version !== current
      ? ` (schema_version ${JSON.stringify(version)}; this lab writes version ${current}${type === 'trace_record' ? ' and reads 1 to 4' : ''})`
      : '';
  throw refused(key, action, contract.name, parsed.error.issues, hint);
}

function refused(
  key: string,
  action: 'read' | 'write',
  name: string,
  issues: readonly { path: PropertyKey[]; message: string }[],
  hint: string,
): ContractViolationError {
  const text = issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  return new ContractViolationError({
    recordKey: key,
    message: `${action === 'read' ? 'stored record' : 'record to store'} breaks the ${name} contract${hint}: ${text}`,
  });
}
