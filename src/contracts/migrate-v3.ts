import type { FailureEvent } from './failure-event.ts';
import type { TraceRecord } from './trace-record.ts';
import type { TraceStep } from './trace-step.ts';
import type { TraceRecordV3 } from './v3/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 3 to version 4 (conversations, docs/chaos-conversations.md):
 * every step gains `turn`, null (version 3 knew no conversations, so it has no turn steps), and
 * the FailureEvent becomes version 3, its location gaining `turn`, null. Nothing else changes.
 */
export function upgradeTraceRecordV3(record: TraceRecordV3): TraceRecord {
  const { failure, steps } = record;
  return {
    ...record,
    schema_version: 4,
    failure: failure
      ? ({ ...failure, schema_version: 3, location: { ...failure.location, turn: null } } as FailureEvent)
      : null,
    steps: steps.map((step) => ({ ...step, turn: null }) as TraceStep),
  };
}
