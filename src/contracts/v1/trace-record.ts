// Version 1 of the TraceRecord contract, kept so records written by earlier versions stay readable.
import { z } from 'zod';
import { IsoTime, OtelRef, Preview, Uuid } from '../common.ts';
import { FailureEventV1 } from './failure-event.ts';
import { Outcome } from '../failure-kind.ts';
import { TraceStepV1 } from './trace-step.ts';

/** A TraceRecord of schema_version 1, as stored before version 2 (see migrate-v1.ts). Frozen: never change it. */
export const TraceRecordV1 = z.strictObject({
  schema_version: z.literal(1),
  trace_id: Uuid,
  subject_id: z.string(),
  scenario_id: z.string(),
  expected: Outcome.describe(
    'Ground-truth label from the scenario: the kind it fails with on purpose, or null for a control that must pass.',
  ),
  detected: Outcome.describe('What the detection wrapper classified the run as; null is a pass.'),
  failure_id: Uuid.nullable().describe('failure.failure_id, or null for a pass.'),
  failure: FailureEventV1.nullable(),
  run: z.strictObject({
    mode: z.enum(['scripted', 'live']),
    isolation: z
      .enum(['inline', 'worker'])
      .describe("inline: in the lab's own thread; worker: in a worker thread with resource limits."),
    deadline_ms: z.number().positive(),
    repeat_index: z.int().nonnegative(),
  }),
  model: z.strictObject({ name: z.string() }),
  started_at: IsoTime,
  ended_at: IsoTime,
  duration_ms: z.number().nonnegative(),
  input: Preview,
  output: Preview.nullable().describe('The returned value; null when the run threw or was cut off.'),
  steps: z.array(TraceStepV1),
  otel: OtelRef.describe('The run span (invoke_agent).'),
});
export type TraceRecordV1 = z.infer<typeof TraceRecordV1>;
