// Version 3 of the TraceRecord contract, kept so records written by earlier versions stay readable.
import { z } from 'zod';
import { TraceRecord } from '../trace-record.ts';
import { CheckStep, ModelCallStep, RecoveryStep, ToolCallStep } from '../trace-step.ts';

/** A step of version 3: its tool calls had no `mcp` (version 4 added it for MCP servers' tools). */
export const TraceStepV3 = z.discriminatedUnion('type', [
  ModelCallStep,
  ToolCallStep.omit({ mcp: true }),
  CheckStep,
  RecoveryStep,
]);
export type TraceStepV3 = z.infer<typeof TraceStepV3>;

/**
 * A TraceRecord of schema_version 3, as stored before version 4 added `injected_faults` and the
 * tool_call steps' `mcp` (see migrate-v3.ts). Frozen: when version 4 changes, spell it out here.
 */
export const TraceRecordV3 = TraceRecord.omit({ injected_faults: true }).extend({
  schema_version: z.literal(3),
  steps: z.array(TraceStepV3),
});
export type TraceRecordV3 = z.infer<typeof TraceRecordV3>;
