import { z } from 'zod';
import { IsoTime, OtelRef, Preview, Uuid } from './common.ts';
import { FailureEvent } from './failure-event.ts';
import { InjectedFault } from './fault.ts';
import { Outcome } from './failure-kind.ts';
import { Replay } from './replay.ts';
import { TraceStep } from './trace-step.ts';

/**
 * The TraceRecord version this lab writes; versions 1, 2 and 3 are read and upgraded (see
 * migrate-v1.ts, migrate-v2.ts, migrate-v3.ts). Version 4 added conversations (turn steps, `turn`
 * on every step and on the failure location: FailureEvent version 3), MCP servers' tools (`mcp` on
 * tool_call steps) and `injected_faults`.
 */
export const TRACE_RECORD_VERSION = 4;

/** Everything the lab keeps of one run: ground truth, classification, steps and telemetry ids. */
export const TraceRecord = z.strictObject({
  schema_version: z.literal(TRACE_RECORD_VERSION),
  trace_id: Uuid,
  build_id: z
    .string()
    .min(1)
    .nullable()
    .describe(
      'The capture (build) the run belongs to: --build-id, LAB_BUILD_ID or a new id; null for a run outside capture.',
    ),
  attempt_id: z
    .string()
    .min(1)
    .nullable()
    .describe(
      'The attempt of the build the run belongs to: a new id for every capture process, so runs of a build captured again (a rerun, two at once, a rerun after a crash) are told apart; null for a run outside capture or of version 2.',
    ),
  subject_id: z.string(),
  scenario_id: z.string(),
  expected: Outcome.describe(
    'Ground-truth label from the scenario: the kind it fails with on purpose, or null for a control that must pass.',
  ),
  detected: Outcome.describe('What the detection wrapper classified the run as; null is a pass.'),
  failure_id: Uuid.nullable().describe('failure.failure_id, or null for a pass.'),
  failure: FailureEvent.nullable(),
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
  steps: z.array(TraceStep),
  otel: OtelRef.describe('The run span (invoke_agent).'),
  replay: Replay.nullable().describe(
    "The run's model exchanges and tool results in full, with capture --record-replies; null otherwise.",
  ),
  injected_faults: z
    .array(InjectedFault)
    .describe(
      'Every fault injected into the run (by its script, a variant, a fuzz trial, a live fault or an MCP fault), with the step it hit: ground truth known by construction, independent of the detector (docs/chaos.md); [] for none.',
    ),
});
export type TraceRecord = z.infer<typeof TraceRecord>;

/** The key a record is stored under: its failure_id, or its trace_id for a pass. */
export function recordKey(record: Pick<TraceRecord, 'failure_id' | 'trace_id'>): string {
  return record.failure_id ?? record.trace_id;
}
