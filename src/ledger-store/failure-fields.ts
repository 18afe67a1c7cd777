import type {
  FailureCategory,
  FailureRecord,
  FailureStatus,
  FailureSubcategory,
  Severity,
} from '../contracts/failure-record.ts';
import { UsageError } from '../errors/usage-error.ts';

/**
 * What a failure record is filtered, ordered and indexed by: the files ledger's index columns,
 * the Cosmos envelope's fields. Times are normalized by indexTime so they compare as text.
 */
export interface FailureFields {
  failure_id: string;
  timestamp: string;
  status: FailureStatus;
  category: FailureCategory;
  subcategory: FailureSubcategory;
  severity: Severity;
  fingerprint: string;
  build_id: string;
  sla_target: string;
  revision: number;
}

/** The fields of a (contract-checked) record. */
export function failureFields(record: FailureRecord): FailureFields {
  return {
    failure_id: record.failure_id,
    timestamp: indexTime(record.timestamp),
    status: record.status,
    category: record.category,
    subcategory: record.subcategory,
    severity: record.severity,
    fingerprint: record.lab.fingerprint,
    build_id: record.build_id,
    sla_target: indexTime(record.metadata.sla_resolution_target),
    revision: record.lab.revision,
  };
}

/**
 * An ISO time as toISOString writes it (milliseconds, Z). The contract accepts other precisions
 * ("...:00Z", "...:00.123456Z"), which do not compare correctly as text with one another; every
 * stored and queried time goes through this, so text order is time order in every backend.
 */
export function indexTime(value: string, name = 'time'): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw new UsageError({ message: `${name} "${value}" is not an ISO 8601 time (e.g. 2026-11-22T00:00:00Z)` });
  return time.toISOString();
}
