import { z } from 'zod';
import { FailureKind } from './failure-kind.ts';
import { FailureType } from './failure-trace.ts';
import { Triage } from './scenario.ts';

/** How a capture itself failed, besides the runs' own failures. */
export const CaptureFailure = z.enum(['mismatch', 'not_stored', 'not_retrieved', 'lab_error']);
export type CaptureFailure = z.infer<typeof CaptureFailure>;

/**
 * What the ledger reads of a failure to categorize it and to fingerprint it: only stable facts
 * (kinds, sources, classes, statuses, components), never ids, times or values that change
 * between runs of one scenario.
 */
export const FailureSignals = z.strictObject({
  source: z.enum(['run', 'capture']),
  capture: CaptureFailure.nullable(),
  subject_id: z.string().nullable(),
  scenario_id: z.string().nullable(),
  kind: FailureKind.nullable().describe('The kind detected (null: a pass).'),
  expected: FailureKind.nullable().describe('The kind the scenario expected (null: it must pass).'),
  timeout_source: z.string().nullable(),
  validation_source: z.string().nullable(),
  validation_issues: z
    .array(z.strictObject({ path: z.string(), code: z.string() }))
    .describe("The validation issues' paths (generalized: indices dropped) and codes."),
  grounding: z
    .array(z.strictObject({ check: z.string(), path: z.string() }))
    .describe('The grounding checks that flagged, with their paths.'),
  error_class: z.string().nullable(),
  error_code: z.string().nullable(),
  http_status: z.int().nullable(),
  failure_type: FailureType.nullable(),
  component: z
    .string()
    .describe(
      'Where the failure began: the primary of the run\'s failure trace ("tool:get_forecast"), else the agent.',
    ),
  message: z
    .string()
    .describe("The failure's one-line message (ids and values are normalized away by the fingerprint)."),
  lab_exit_code: z.int().nullable().describe("A lab error's exit code (2: the scenario's fault; 1: the lab's)."),
});
export type FailureSignals = z.infer<typeof FailureSignals>;

/** One failure seen in a build, with what its failure record needs. */
export const FailureOccurrence = z.strictObject({
  signals: FailureSignals,
  fingerprint: z.string(),
  failure_id: z
    .string()
    .nullable()
    .describe("The run's own failure_id, or null for a failure of the capture (an id is derived then)."),
  trace_id: z.string().nullable(),
  failure_trace_ids: z.array(z.string()),
  started_at: z
    .string()
    .describe('When the run started, to pick the first occurrence of a fingerprint deterministically.'),
  file: z.string().nullable().describe('The scenario file, relative to the project.'),
  triage: Triage,
  tags: z.array(z.string()),
  summary: z.string(),
  details: z.string(),
  error_message: z.string(),
  stack_trace: z.string().nullable(),
  root_cause_summary: z.string().nullable(),
  contributing_factors: z.array(z.string()),
});
export type FailureOccurrence = z.infer<typeof FailureOccurrence>;

/** The occurrences of one fingerprint in a build: the first whole, the rest counted. */
export const OccurrenceGroup = z.strictObject({
  first: FailureOccurrence,
  count: z.int().positive(),
  trace_ids: z.array(z.string()).describe('Runs behind it, at most 100.'),
  scenario_ids: z.array(z.string()).describe('Scenarios behind it, at most 100.'),
});
export type OccurrenceGroup = z.infer<typeof OccurrenceGroup>;
