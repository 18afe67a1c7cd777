import { z } from 'zod';

const counts = z.record(z.string(), z.int().nonnegative());

/** What a `lab dataset` folder holds: `DIR/manifest.json`. */
export const DatasetManifest = z.strictObject({
  schema_version: z.literal(1),
  lab_version: z.string(),
  format: z.enum(['lab', 'trail']),
  seed: z.string().describe('The --seed the split and the ids were drawn from.'),
  build_id: z.string().nullable().describe('The build the runs came from (--build-id), or null for every build.'),
  splits: z.record(
    z.string(),
    z.strictObject({
      fraction: z.number().min(0).max(1),
      traces: z.int().nonnegative(),
      by_kind: counts.describe('Traces per kind ("pass" for a pass).'),
      by_subject: counts,
    }),
  ),
  left_out: z.strictObject({
    mismatched: z
      .int()
      .nonnegative()
      .describe('Runs detected otherwise than expected: their label is not trustworthy.'),
    live: z.int().nonnegative().describe('Runs against a live model: no ground truth.'),
    no_error: z.int().nonnegative().describe('Passing runs, left out of the trail format (TRAIL scores them 0).'),
    unmapped: z.int().nonnegative().describe('Failures no TRAIL category covers, left out of the trail format.'),
  }),
  scenario_set: z
    .strictObject({
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .describe('Of the scenario files, in name order: name, NUL, sha256, newline.'),
      files: z.int().nonnegative(),
    })
    .nullable()
    .describe('The scenario files the runs came from, when the scenarios folder was found.'),
  runs_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('Of the labelled runs: a hash of their scenario ids and labels, in a fixed order.'),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;
