import { z } from 'zod';
import { IsoTime } from './common.ts';
import { OccurrenceGroup } from './failure-occurrence.ts';
import { Outcome } from './failure-kind.ts';

/** The most lab errors a manifest names one by one; the rest are counted. */
export const MANIFEST_MAX_LAB_ERRORS = 200;

/**
 * What one shard of a capture ran and how it went, stored beside its runs when it is done
 * (`capture --shard i/n`). `merge` reads every manifest of a build to check that each shard
 * reported, that every run of the plan is stored exactly once, and to record the build's
 * failures in the ledger from the shards' occurrence groups.
 */
export const ShardManifest = z.strictObject({
  schema_version: z.literal(1),
  record_type: z.literal('shard_manifest'),
  manifest_id: z
    .string()
    .regex(/^shard-\d+-of-\d+-[0-9a-f]{32}$/)
    .describe(
      'The store key: shard-<i>-of-<n>-<32 hex digits>, new for every shard process, so a shard run twice leaves two manifests.',
    ),
  build_id: z.string().min(1),
  shard: z.strictObject({ index: z.int().positive().describe('1-based.'), count: z.int().positive() }),
  plan: z.strictObject({
    scenarios: z
      .array(z.strictObject({ id: z.string(), expected: Outcome }))
      .describe("Every scenario of the build (all shards' runs), by id, with its expected outcome."),
    scenario_digest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe(
        'SHA-256 over the scenarios themselves, as loaded: shards that ran different scenario files disagree here.',
      ),
    repeat: z.int().positive(),
    runs: z.int().nonnegative().describe('Runs this shard was dealt.'),
    total_runs: z.int().nonnegative().describe('Runs of the whole build.'),
  }),
  started_at: IsoTime,
  ended_at: IsoTime,
  live: z.boolean(),
  counts: z.strictObject({
    runs: z.int().nonnegative(),
    matched: z.int().nonnegative(),
    mismatched: z.int().nonnegative(),
    stored: z.int().nonnegative(),
    retrieved: z.int().nonnegative(),
    lab_errors: z.int().nonnegative(),
  }),
  exit_code: z.int().min(0).max(2).describe("The shard's own exit code."),
  lab_errors: z
    .array(
      z.strictObject({
        scenario_id: z.string(),
        repeat_index: z.int().nonnegative(),
        expected: Outcome,
        name: z.string(),
        message: z.string(),
        exit_code: z.int(),
      }),
    )
    .max(MANIFEST_MAX_LAB_ERRORS)
    .describe('Runs the lab could not run or classify (no run record exists for them), at most 200.'),
  lab_errors_omitted: z.int().nonnegative().describe('Lab errors beyond those listed.'),
  failures: z
    .array(OccurrenceGroup)
    .describe("The shard's failures by fingerprint, for the ledger, which merge alone writes."),
});
export type ShardManifest = z.infer<typeof ShardManifest>;
