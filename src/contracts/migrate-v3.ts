import type { TraceRecord } from './trace-record.ts';
import type { TraceRecordV3 } from './v3/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 3 to version 4: the record gains `injected_faults`,
 * [] (version 3 did not record the faults it injected). Nothing else changes.
 */
export function upgradeTraceRecordV3(record: TraceRecordV3): TraceRecord {
  const { schema_version: _, otel, replay, ...rest } = record;
  return { schema_version: 4, ...rest, injected_faults: [], otel, replay };
}
