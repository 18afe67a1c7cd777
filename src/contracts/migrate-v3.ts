import type { TraceRecord } from './trace-record.ts';
import type { TraceStep } from './trace-step.ts';
import type { TraceRecordV3, TraceStepV3 } from './v3/trace-record.ts';

/**
 * Upgrades a TraceRecord of schema_version 3 to version 4: the record gains `injected_faults`, []
 * (version 3 recorded none), and every tool_call step gains `mcp`, null (version 3 had no MCP
 * servers). Nothing else changes.
 */
export function upgradeTraceRecordV3(record: TraceRecordV3): TraceRecord {
  const { schema_version: _, steps, ...rest } = record;
  return { schema_version: 4, ...rest, steps: steps.map(upgradeStepV3), injected_faults: [] };
}

/** A step of version 3 as version 4 spells it. */
export function upgradeStepV3(step: TraceStepV3): TraceStep {
  return step.type === 'tool_call' ? { ...step, mcp: null } : step;
}
