import type { FailureEvent } from './failure-event.ts';
import type { TraceRecord } from './trace-record.ts';
import type { TraceStep } from './trace-step.ts';
import type { TraceRecordV3, TraceStepV3 } from './v3/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 3 to version 4. Version 3 knew no conversations, no MCP
 * servers and recorded no injected faults, so: every step gains `turn`, null (and there are no turn
 * steps), every tool_call step gains `mcp`, null, the record gains `injected_faults`, [], and the
 * FailureEvent becomes version 3, its location gaining `turn`, null. Nothing else changes.
 */
export function upgradeTraceRecordV3(record: TraceRecordV3): TraceRecord {
  const { failure, steps } = record;
  // Spread first, so every key keeps its place (records are written with their keys in order).
  return {
    ...record,
    schema_version: 4,
    failure: failure
      ? ({ ...failure, schema_version: 3, location: { ...failure.location, turn: null } } as FailureEvent)
      : null,
    steps: steps.map(upgradeStepV3),
    injected_faults: [],
  };
}

/** A step of version 3 as version 4 spells it. */
export function upgradeStepV3(step: TraceStepV3): TraceStep {
  return (step.type === 'tool_call' ? { ...step, turn: null, mcp: null } : { ...step, turn: null }) as TraceStep;
}
