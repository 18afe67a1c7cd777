import type { TraceRecord } from './trace-record.ts';
import type { TraceRecordV2 } from './v2/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 2 to version 3: the record gains `attempt_id`, null
 * (version 2 did not tell the attempts of a build apart). Nothing else changes.
 */
export function upgradeTraceRecordV2(record: TraceRecordV2): TraceRecord {
  const { schema_version: _, trace_id, build_id, ...rest } = record;
  return { schema_version: 3, trace_id, build_id, attempt_id: null, ...rest };
}
