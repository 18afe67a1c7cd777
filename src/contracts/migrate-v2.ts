import { upgradeTraceRecordV3 } from './migrate-v3.ts';
import type { TraceRecord } from './trace-record.ts';
import type { TraceRecordV2 } from './v2/trace-record.ts';
import type { TraceRecordV3 } from './v3/trace-record.ts';

/**
 * A TraceRecord of schema_version 2 as version 3: the record gains `attempt_id`, null (version 2
 * did not tell the attempts of a build apart). Nothing else changes.
 */
export function traceRecordV2ToV3(record: TraceRecordV2): TraceRecordV3 {
  const { schema_version: _, trace_id, build_id, ...rest } = record;
  return { schema_version: 3, trace_id, build_id, attempt_id: null, ...rest };
}

/** Upgrades a TraceRecord of schema_version 2 to the current version (through version 3, migrate-v3.ts). */
export function upgradeTraceRecordV2(record: TraceRecordV2): TraceRecord {
  return upgradeTraceRecordV3(traceRecordV2ToV3(record));
}
