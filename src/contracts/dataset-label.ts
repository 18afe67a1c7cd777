import { z } from 'zod';
import { Outcome } from './failure-kind.ts';

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} lowercase hex digits`);

/** Where a failure first shows in a blind trace. */
export const LabelLocation = z.strictObject({
  span_id: hex(16).describe('The span (the root span when no step shows it).'),
  step_index: z.int().nonnegative().nullable().describe("The step's index in the blind trace; null for the root span."),
});
export type LabelLocation = z.infer<typeof LabelLocation>;

/**
 * The ground truth of one blind trace, one NDJSON line each in `labels.ndjson`: what the run
 * failed with (null for a pass), where, which agent, and its TRAIL and MAST labels. Known by
 * construction: every scenario fails on purpose, and only runs detected as expected are written.
 */
export const DatasetLabel = z.strictObject({
  trace_id: hex(32),
  subject: z.string().describe('The subject (agent program) that ran; used to break scores down.'),
  kind: Outcome,
  location: LabelLocation.nullable().describe('null for a pass.'),
  agent: z.string().nullable().describe('The agent responsible (Who&When); null for a pass.'),
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
});
export type DatasetLabel = z.infer<typeof DatasetLabel>;

/**
 * An analyzer's answer for one trace, in the labels' line shape. Only `trace_id` is required: a
 * field left out is not scored (an analyzer that only classifies gives `kind` alone).
 */
export const DatasetPrediction = z.strictObject({
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
});
export type DatasetPrediction = z.infer<typeof DatasetPrediction>;
