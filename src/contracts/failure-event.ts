import { z } from 'zod';
import { ErrorInfo, IsoTime, OtelRef, Uuid } from './common.ts';

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

/**
 * Where a failure first shows, as the public failure benchmarks locate it (TRAIL marks the first
 * occurrence; Who&When names the agent responsible and the decisive step). For resource abuse (a
 * retry loop, the turn limit) the last occurrence is marked, as TRAIL does.
 */
export const FailureLocation = z.strictObject({
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe(
      "The step where the failure first shows (the last one, for resource abuse); null when no step shows it (a thrown error of the subject's own code).",
    ),
  span_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable()
    .describe("That step's span, or the run span when no step shows it."),
  agent: z
    .string()
    .nullable()
    .describe(
      'The agent responsible: the agent that was running at that step (multi-agent subjects), else the subject.',
    ),
  turn: z
    .int()
    .positive()
    .nullable()
    .describe(
      "The turn of a conversation where the failure shows (that step's turn, else the first turn that failed); null outside a conversation.",
    ),
});
export type FailureLocation = z.infer<typeof FailureLocation>;

/**
 * The failure in the vocabulary of public failure taxonomies, by the lab's rule table (see
 * "Taxonomy labels" in the README). `version` names the table: a change of rules is a new
 * version, so old records keep the labels they were given.
 */
export const TaxonomyRefs = z.strictObject({
  version: z.string().min(1).describe('The rule table that gave these labels, e.g. "lab-taxonomy/1".'),
  trail: z
    .strictObject({ path: z.array(z.string()).min(2) })
    .nullable()
    .describe(
      'The TRAIL category as its full path, e.g. ["System Execution Errors", "API Issues", "Rate Limiting"]; null when no TRAIL category applies.',
    ),
  mast: z
    .strictObject({ id: z.string(), name: z.string() })
    .nullable()
    .describe('The MAST failure mode, e.g. {"id": "1.3", "name": "Step repetition"}; null when none applies.'),
});
export type TaxonomyRefs = z.infer<typeof TaxonomyRefs>;

/** The FailureEvent version this lab writes; version 3 added location.turn (see migrate-v3.ts). */
export const FAILURE_EVENT_VERSION = 3;

const base = {
  schema_version: z.literal(FAILURE_EVENT_VERSION),
  failure_id: Uuid,
  trace_id: Uuid.describe('The TraceRecord this failure belongs to.'),
  subject_id: z.string(),
  scenario_id: z.string(),
  occurred_at: IsoTime,
  message: z.string().describe('One line a person can read.'),
  step_index: z
    .int()
    .nonnegative()
    .nullable()
    .describe('The last failed step before the run ended (the step the failure showed in), when there is one.'),
  location: FailureLocation,
  taxonomy: TaxonomyRefs,
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
        "deadline: the run was cut off at its deadline; overrun: synchronous work held the thread past the deadline, so the run came back, or could be cut off, only after it (inline runs cannot interrupt synchronous work); request_timeout: a request of the run timed out (the openai client's own timeout, an AbortSignal.timeout, a socket timeout).",
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
      .enum(['output_schema', 'model_output_schema', 'tool_schema', 'subject_schema'])
      .describe(
        "output_schema: the subject's returned value failed the subject's output schema; model_output_schema: the model's structured output broke its schema (openai's zod helpers, or ctx.parseModelOutput); tool_schema: a schema inside a tool rejected a value; subject_schema: a schema in the subject's own code rejected something other than the model's structured output (its config, a tool result).",
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

/** A failure the detection wrapper found in a run, tagged by `kind`. */
export const FailureEvent = z.discriminatedUnion('kind', [
  TimeoutFailure,
  ExceptionFailure,
  ValidationFailure,
  HallucinationFailure,
]);
export type FailureEvent = z.infer<typeof FailureEvent>;
