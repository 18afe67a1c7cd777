import { upgradeTraceRecordV3 } from './migrate-v3.ts';
import type { TraceRecord } from './trace-record.ts';
import type { TraceRecordV2 } from './v2/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 2 to the current version: the record gains
 * `attempt_id`, null (version 2 did not tell the attempts of a build apart), then what version 4
 * adds (migrate-v3.ts). Nothing else changes.
 */
export function upgradeTraceRecordV2(record: TraceRecordV2): TraceRecord {
  const { schema_version: _, trace_id, build_id, ...rest } = record;
  return upgradeTraceRecordV3({ schema_version: 3, trace_id, build_id, attempt_id: null, ...rest });
}
