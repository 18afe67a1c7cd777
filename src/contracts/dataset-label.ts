import { z } from 'zod';
import { Outcome } from './failure-kind.ts';
import { FaultSite, FaultSource, McpFault, McpStartFault, ModelFault, ToolFault } from './fault.ts';

/** The DatasetLabel version `lab dataset` writes: 2 added `schema_version` and `injected_faults`. */
export const DATASET_LABEL_VERSION = 2;

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} lowercase hex digits`);

/** Where a failure first shows in a blind trace. */
export const LabelLocation = z.strictObject({
  span_id: hex(16).describe('The span (the root span when no step shows it).'),
  step_index: z.int().nonnegative().nullable().describe("The step's index in the blind trace; null for the root span."),
});
export type LabelLocation = z.infer<typeof LabelLocation>;

/**
 * A fault the lab injected into the run, as localization ground truth known by construction
 * (docs/analyzers.md, "Injected faults"): where the lab broke the run on purpose, from the run's
 * own record (TraceRecord.injected_faults), not from the detector. The step is numbered as in the
 * blind trace (checks left out), so it may differ from the record's own index.
 */
export const InjectedFaultLabel = z.strictObject({
  source: FaultSource.describe(
    "Who placed it: script (the scenario's own script), variant, fuzz (a `lab fuzz` trial) or live.",
  ),
  site: FaultSite.describe(
    'Where it was placed: the nth model call, or the nth call of a tool (of an MCP server), 1-based; or an MCP server asked not to start.',
  ),
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe("The step it hit, in the blind trace's numbering; null when the call left no step in the trace."),
  span_id: hex(16).nullable().describe("That step's span in the blind trace; null with step_index."),
  step_kind: z
    .enum(['llm', 'tool'])
    .nullable()
    .describe("That span's kind: llm (a model call) or tool (a tool call); null with step_index."),
  agent: z
    .string()
    .describe(
      "The agent that owns that step: the framework's agent the record names for it (multi-agent subjects), else the subject.",
    ),
  turn: z
    .int()
    .positive()
    .nullable()
    .describe('The conversation turn it hit (1 for the first); null outside a conversation.'),
  fault: z
    .union([McpFault, ModelFault, ToolFault, McpStartFault])
    .describe('The fault itself, as the scenario spelled it (redacted as the record is).'),
});
export type InjectedFaultLabel = z.infer<typeof InjectedFaultLabel>;

/**
 * The ground truth of one blind trace, one NDJSON line each in `labels.ndjson`: what the run
 * failed with (null for a pass), where the detector located it, which agent, its TRAIL and MAST
 * labels, and the faults the lab injected. Known by construction: every scenario fails on
 * purpose, and only runs detected as expected are written. Lines without `schema_version`
 * (version 1) are read and upgraded (migrate-dataset-label-v1.ts).
 */
export const DatasetLabel = z.strictObject({
  schema_version: z.literal(DATASET_LABEL_VERSION),
  trace_id: hex(32),
  subject: z.string().describe('The subject (agent program) that ran; used to break scores down.'),
  kind: Outcome,
  location: LabelLocation.nullable().describe(
    'Where the detector located the failure (where it first shows); null for a pass. Compare injected_faults: where the lab broke the run.',
  ),
  agent: z
    .string()
    .nullable()
    .describe('The agent responsible, as the detector located it (Who&When\'s "who"); null for a pass.'),
  trail_category: z
    .string()
    .nullable()
    .describe('TRAIL\'s leaf category, e.g. "Rate Limiting"; null when none applies.'),
  mast_mode: z.string().nullable().describe('The MAST failure mode, e.g. "FM-1.3"; null when none applies.'),
  mast_category: z
    .string()
    .nullable()
    .describe('Its MAST category: "Specification Issues", "Inter-Agent Misalignment" or "Task Verification".'),
  evidence: z.string().nullable().describe('What in the trace shows the failure; null for a pass.'),
  injected_faults: z
    .array(InjectedFaultLabel)
    .describe(
      'Every fault the lab injected into the run, in step order (one whose call left no step last): where it was broken on purpose, known by construction, whether or not the run failed there (or at all). [] for a run with no fault (a control, or a failure scripted as content: a reply that invents a number, a reply of the wrong shape), and for lines upgraded from version 1.',
    ),
});
export type DatasetLabel = z.infer<typeof DatasetLabel>;

/**
 * An analyzer's answer for one trace, in the labels' line shape. Only `trace_id` is required: a
 * field left out is not scored (an analyzer that only classifies gives `kind` alone).
 */
export const DatasetPrediction = z.strictObject({
  schema_version: z
    .int()
    .positive()
    .optional()
    .describe('Not scored: accepted so a labels file can be given as predictions.'),
  trace_id: hex(32),
  subject: z.string().optional(),
  kind: Outcome.optional(),
  location: z
    .strictObject({
      span_id: hex(16).nullable().optional(),
      step_index: z.int().nonnegative().nullable().optional(),
    })
    .nullable()
    .optional(),
  agent: z.string().nullable().optional(),
  trail_category: z.string().nullable().optional(),
  mast_mode: z.string().nullable().optional(),
  mast_category: z.string().nullable().optional(),
  evidence: z.string().nullable().optional(),
  injected_faults: z
    .array(InjectedFaultLabel)
    .optional()
    .describe(
      'Not scored: accepted so a labels file can be given as predictions. Injected faults are scored through `location` and `agent`.',
    ),
});
export type DatasetPrediction = z.infer<typeof DatasetPrediction>;
