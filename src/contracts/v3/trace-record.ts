// Version 3 of the TraceRecord contract, kept so records written by earlier versions stay readable.
import { z } from 'zod';
import {
  ExceptionFailure,
  FailureLocation,
  HallucinationFailure,
  TimeoutFailure,
  ValidationFailure,
} from '../failure-event.ts';
import { TraceRecord } from '../trace-record.ts';
import { CheckStep, ModelCallStep, RecoveryStep, ToolCallStep } from '../trace-step.ts';

/**
 * A step of a version 3 record: no `turn` field, no turn steps, and tool calls without `mcp`
 * (version 4 added conversations and MCP servers' tools; see migrate-v3.ts).
 */
export const TraceStepV3 = z.discriminatedUnion('type', [
  ModelCallStep.omit({ turn: true }),
  ToolCallStep.omit({ turn: true, mcp: true }),
  CheckStep.omit({ turn: true }),
  RecoveryStep.omit({ turn: true }),
]);
export type TraceStepV3 = z.infer<typeof TraceStepV3>;

const eventV2 = { schema_version: z.literal(2), location: FailureLocation.omit({ turn: true }) };

/** A FailureEvent of schema_version 2, as a version 3 record holds it: its location names no turn. */
export const FailureEventV2 = z.discriminatedUnion('kind', [
  TimeoutFailure.extend(eventV2),
  ExceptionFailure.extend(eventV2),
  ValidationFailure.extend(eventV2),
  HallucinationFailure.extend(eventV2),
]);
export type FailureEventV2 = z.infer<typeof FailureEventV2>;

/**
 * A TraceRecord of schema_version 3, as stored before version 4 added conversations, MCP servers'
 * tools and `injected_faults` (see migrate-v3.ts): steps without `turn` or `mcp`, no turn steps, a
 * failure location without `turn`, and no `injected_faults`. Frozen: when version 4 changes, spell it out here.
 */
export const TraceRecordV3 = TraceRecord.omit({ injected_faults: true }).extend({
  schema_version: z.literal(3),
  failure: FailureEventV2.nullable(),
  steps: z.array(TraceStepV3),
});
export type TraceRecordV3 = z.infer<typeof TraceRecordV3>;
