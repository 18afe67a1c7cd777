// Version 1 of the FailureEvent contract, kept so records written by earlier versions stay readable.
import { z } from 'zod';
import { ErrorInfo, IsoTime, OtelRef, Uuid } from '../common.ts';

/** One claim in the output that a grounding check could not support. */
export const GroundingFlag = z.strictObject({
  check: z.enum(['cited_ids_exist', 'declared_tools_only', 'numbers_in_sources', 'quotes_in_sources', 'ground_truth']),
  path: z.string().describe('Where in the output (or "steps" for the model\'s tool calls) the claim was found.'),
  claim: z.string().describe('The unsupported value, as text.'),
  reason: z.string(),
  known: z
    .array(z.string())
    .nullable()
    .describe('The values that would have been supported (bounded), when the check has such a list.'),
  expected: z.string().nullable().describe('The ground truth, for ground_truth checks.'),
});
export type GroundingFlag = z.infer<typeof GroundingFlag>;

/** One problem found by schema validation. */
export const ValidationIssue = z.strictObject({
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

const base = {
  schema_version: z.literal(1),
  failure_id: Uuid,
  trace_id: Uuid.describe('The TraceRecord this failure belongs to.'),
  subject_id: z.string(),
  scenario_id: z.string(),
  occurred_at: IsoTime,
  message: z.string().describe('One line a person can read.'),
  step_index: z.int().nonnegative().nullable().describe('The step where the failure showed, when there is one.'),
  otel: OtelRef,
};

/** The run passed its deadline, or a request inside it timed out. */
export const TimeoutFailure = z.strictObject({
  ...base,
  kind: z.literal('timeout'),
  timeout: z.strictObject({
    source: z
      .enum(['deadline', 'overrun', 'request_timeout'])
      .describe(
        'deadline: the run was cut off at its deadline; overrun: it returned or threw, but after its deadline (synchronous work cannot be cut off inline); request_timeout: the openai client gave up on a request.',
      ),
    deadline_ms: z.number().positive(),
    elapsed_ms: z.number().nonnegative(),
  }),
  error: ErrorInfo.nullable(),
});

/** The subject threw or rejected. */
export const ExceptionFailure = z.strictObject({
  ...base,
  kind: z.literal('exception'),
  error: ErrorInfo,
});

/** The output, or the model's structured output, broke its declared schema. */
export const ValidationFailure = z.strictObject({
  ...base,
  kind: z.literal('validation_error'),
  validation: z.strictObject({
    source: z
      .enum(['output_schema', 'model_output_schema'])
      .describe(
        "output_schema: the subject's returned value failed the subject's output schema; model_output_schema: the openai zod helpers rejected the model's structured output.",
      ),
    issues: z.array(ValidationIssue).min(1),
  }),
  error: ErrorInfo.nullable(),
});

/** The output passed its schema, but a grounding check flagged a claim in it. */
export const HallucinationFailure = z.strictObject({
  ...base,
  kind: z.literal('hallucination_flag'),
  grounding: z.strictObject({ flags: z.array(GroundingFlag).min(1) }),
});

/** A FailureEvent of schema_version 1, as stored before version 2 (see migrate-v1.ts). Frozen: never change it. */
export const FailureEventV1 = z.discriminatedUnion('kind', [
  TimeoutFailure,
  ExceptionFailure,
  ValidationFailure,
  HallucinationFailure,
]);
export type FailureEventV1 = z.infer<typeof FailureEventV1>;
