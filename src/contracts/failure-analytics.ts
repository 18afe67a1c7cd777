import { z } from 'zod';
import { IsoTime, Uuid } from './common.ts';
import { FAILURE_CATEGORIES, SEVERITIES, STATUSES, SUBCATEGORIES } from './failure-record.ts';

// The four analytics files of the failure ledger (failures/analytics/*.json). They are read by
// analyzers in any language, so every count sits in an object with every key present (no
// missing key means zero), lists hold only entries with at least one record, and every list
// is sorted by the key its description names, so two runs over the same ledger are byte-identical.

const ANALYTICS_VERSION = 1;
const version = z
  .literal(ANALYTICS_VERSION)
  .describe('Version of this file format; a change to its meaning is a new version.');
const asOf = IsoTime.describe(
  'The instant the file describes (exclusive): records with a timestamp at or after it, and status changes and escalations at or after it, are left out, so the same ledger and as_of always give the same file.',
);
const count = z.int().nonnegative();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date YYYY-MM-DD');
const hours = z.number().nonnegative().nullable();
const Fingerprint = z.string().regex(/^fp1:[0-9a-f]{32}$/);
const Category = z.enum(FAILURE_CATEGORIES);
const Subcategory = z.enum(Object.values(SUBCATEGORIES).flat() as [string, ...string[]]);
const Severity = z.enum(SEVERITIES);
const Status = z.enum(STATUSES);

/** An object with a count for every key, each documented. */
function countsOf<K extends string>(keys: readonly K[], what: (key: K) => string) {
  return z.strictObject(
    Object.fromEntries(keys.map((key) => [key, count.describe(what(key))])) as Record<K, typeof count>,
  );
}

/** Records counted by their status at as_of (rebuilt from lab.status_history, not the record's current status). */
export const CountsByStatus = countsOf(STATUSES, (s) => `Records ${s} at as_of.`).describe(
  'Records by their status at as_of, as lab.status_history gives it (the last change before as_of), whatever their status is now.',
);
export type CountsByStatus = z.infer<typeof CountsByStatus>;

/** Records counted by severity. */
export const CountsBySeverity = countsOf(SEVERITIES, (s) => `Records of severity ${s}.`).describe(
  'Records by severity.',
);
export type CountsBySeverity = z.infer<typeof CountsBySeverity>;

/** Records counted by category. */
export const CountsByCategory = countsOf(FAILURE_CATEGORIES, (c) => `Records of category ${c}.`).describe(
  'Records by category.',
);
export type CountsByCategory = z.infer<typeof CountsByCategory>;

const trendCounts = {
  recorded: count.describe('Failure records whose timestamp falls in the period.'),
  runs: count.describe('Runs with those failures: the sum of their lab.occurrences.count.'),
  repeats: count.describe('Of those records, the ones marked repetition_tracking.is_repeat.'),
  regressions: count.describe(
    'Of those records, the ones that came back after their failure was RESOLVED or PREVENTED (lab.regression set).',
  ),
  by_category: CountsByCategory.describe('Those records by category.'),
  by_severity: CountsBySeverity.describe('Those records by severity.'),
  resolved: count.describe(
    'Changes to RESOLVED in the period (lab.status_history; a record resolved twice counts twice).',
  ),
  prevented: count.describe('Changes to PREVENTED in the period.'),
  reopened: count.describe(
    'Changes from RESOLVED or PREVENTED back to OPEN or INVESTIGATING in the period: a recurrence reopened the record.',
  ),
  escalations: count.describe('Escalations (lab.escalations) in the period.'),
};

/** What happened in the ledger over a period. */
export const TrendCounts = z.strictObject(trendCounts).describe('What happened in the ledger over a period.');
export type TrendCounts = z.infer<typeof TrendCounts>;

/** One UTC day with activity. */
export const TrendDay = z
  .strictObject({ date: day.describe('The UTC day.'), ...trendCounts })
  .describe('One UTC day on which anything was recorded, changed status or escalated.');
export type TrendDay = z.infer<typeof TrendDay>;

/** One ISO week with activity. */
export const TrendWeek = z
  .strictObject({
    week: z
      .string()
      .regex(/^\d{4}-W\d{2}$/, 'an ISO week YYYY-Www')
      .describe('The ISO 8601 week (weeks start on Monday, UTC; week 1 holds the first Thursday of the year).'),
    starts: day.describe('Its Monday.'),
    ...trendCounts,
  })
  .describe('One ISO week with activity: the sum of its days.');
export type TrendWeek = z.infer<typeof TrendWeek>;

/** failure-trends.json: the ledger's activity per UTC day and per ISO week. */
export const FailureTrends = z
  .strictObject({
    schema_version: version,
    as_of: asOf,
    totals: TrendCounts.describe('Everything before as_of.'),
    days: z
      .array(TrendDay)
      .describe('Days with activity, oldest first; a day with none is left out (all its counts would be zero).'),
    weeks: z.array(TrendWeek).describe('Weeks with activity, oldest first.'),
  })
  .describe("failure-trends.json: the failure ledger's activity per UTC day and per ISO week.");
export type FailureTrends = z.infer<typeof FailureTrends>;

const breakdownCounts = {
  total: count.describe('Records.'),
  runs: count.describe('Runs with those failures: the sum of lab.occurrences.count.'),
  by_status: CountsByStatus,
  by_severity: CountsBySeverity,
};

/** One subcategory's records. */
export const SubcategoryBreakdown = z
  .strictObject({ subcategory: Subcategory.describe('The subcategory.'), ...breakdownCounts })
  .describe("One subcategory's records.");
export type SubcategoryBreakdown = z.infer<typeof SubcategoryBreakdown>;

/** One category's records, and its subcategories'. */
export const CategoryBreakdown = z
  .strictObject({
    category: Category.describe('The category.'),
    ...breakdownCounts,
    subcategories: z
      .array(SubcategoryBreakdown)
      .describe('Subcategories with records, in the order the FailureRecord contract lists them.'),
  })
  .describe("One category's records, and its subcategories'.");
export type CategoryBreakdown = z.infer<typeof CategoryBreakdown>;

/** failure-by-category.json: every record before as_of by category and subcategory, status and severity. */
export const FailureByCategory = z
  .strictObject({
    schema_version: version,
    as_of: asOf,
    ...breakdownCounts,
    categories: z
      .array(CategoryBreakdown)
      .describe('Categories with records, in the order the FailureRecord contract lists them.'),
  })
  .describe(
    'failure-by-category.json: every record before as_of by category and subcategory, with their status at as_of and severity.',
  );
export type FailureByCategory = z.infer<typeof FailureByCategory>;

/** The most failure ids a repeated failure lists. */
export const REPEAT_FAILURE_IDS_MAX = 50;

/** One failure (a fingerprint) recorded two or more times. */
export const RepeatedFailure = z
  .strictObject({
    fingerprint: Fingerprint.describe('lab.fingerprint, shared by every record of the failure.'),
    category: Category.describe('The category of its latest record (by timestamp, then failure_id).'),
    subcategory: Subcategory.describe('The subcategory of its latest record.'),
    component: z.string().describe('context.component of its latest record.'),
    records: z.int().min(2).describe('Records with this fingerprint: one per build it failed in.'),
    runs: count.describe("Runs with it: the sum of the records' lab.occurrences.count."),
    first_seen: IsoTime.describe('Timestamp of its first record.'),
    last_seen: IsoTime.describe('Timestamp of its latest record.'),
    failure_ids: z
      .array(Uuid)
      .max(REPEAT_FAILURE_IDS_MAX)
      .describe(
        `Its records' failure_ids, oldest first (by timestamp, then failure_id), the first ${REPEAT_FAILURE_IDS_MAX}: \`records\` says how many there are.`,
      ),
    latest_failure_id: Uuid.describe('failure_id of its latest record.'),
    latest_status: Status.describe('Status of its latest record at as_of.'),
    open_records: count.describe('Its records OPEN or INVESTIGATING at as_of.'),
    escalations: count.describe('Escalations on its records (lab.escalations before as_of).'),
    regressions: count.describe('Its records that came back after it was RESOLVED or PREVENTED (lab.regression set).'),
  })
  .describe('One failure (a fingerprint) recorded two or more times.');
export type RepeatedFailure = z.infer<typeof RepeatedFailure>;

/** repeat-failures.json: the failures that came back. */
export const RepeatFailures = z
  .strictObject({
    schema_version: version,
    as_of: asOf,
    records: count.describe('Records before as_of.'),
    fingerprints: count.describe('Distinct fingerprints among them.'),
    repeated_fingerprints: count.describe('Fingerprints with two or more records: the length of `failures`.'),
    repeat_records: count.describe(
      'Records whose fingerprint has two or more records (the first occurrence included).',
    ),
    failures: z.array(RepeatedFailure).describe('Most records first, then most runs, then by fingerprint.'),
  })
  .describe('repeat-failures.json: every failure (fingerprint) recorded two or more times before as_of.');
export type RepeatFailures = z.infer<typeof RepeatFailures>;

/** The ratio between the bounds of a bucket of the duration histogram. */
export const HISTOGRAM_BUCKET_RATIO = 1.04;

/** Durations of one kind: exact count, mean and maximum; median and p90 from a log-scale histogram. */
export const DurationStats = z
  .strictObject({
    count: count.describe('Records with this duration.'),
    mean_hours: hours.describe('Exact mean (from whole milliseconds), rounded to 0.001 h; null when count is 0.'),
    median_hours: hours.describe(
      'Median (nearest rank), from the histogram: within 2% (see `percentiles`), rounded to 0.001 h; null when count is 0.',
    ),
    p90_hours: hours.describe(
      '90th percentile (nearest rank), from the histogram: within 2%, rounded to 0.001 h; null when count is 0.',
    ),
    max_hours: hours.describe('Exact maximum, rounded to 0.001 h; null when count is 0.'),
  })
  .describe('Durations of one kind, in hours.');
export type DurationStats = z.infer<typeof DurationStats>;

/** Service-level counts: how many records met their resolution target. */
export const SlaCounts = z
  .strictObject({
    open: count.describe('Records OPEN or INVESTIGATING at as_of.'),
    overdue: count.describe('Of those, records whose metadata.sla_resolution_target is before as_of.'),
    resolved_within_sla: count.describe('Records first resolved (RESOLVED or PREVENTED) at or before their target.'),
    resolved_late: count.describe('Records first resolved after their target.'),
  })
  .describe(
    "The SLA of a group: CRITICAL 4 hours, HIGH 24 hours, MEDIUM 1 week, LOW 30 days, as each record's metadata.sla_resolution_target states.",
  );
export type SlaCounts = z.infer<typeof SlaCounts>;

const mttrGroup = {
  records: count.describe('Records in the group.'),
  resolution: DurationStats.describe(
    'Time to resolution: from creation (the first lab.status_history entry) to the first change to RESOLVED or PREVENTED (a record prevented without being marked RESOLVED is resolved then).',
  ),
  prevention: DurationStats.describe('Time to prevention: from creation to the first change to PREVENTED.'),
  sla: SlaCounts,
};

/** MTTR of all records. */
export const MttrGroup = z
  .strictObject(mttrGroup)
  .describe('Time to resolution and prevention, and the SLA, of a group of records.');
export type MttrGroup = z.infer<typeof MttrGroup>;

/** mttr-metrics.json: mean time to resolution (and to prevention) and SLA compliance. */
export const MttrMetrics = z
  .strictObject({
    schema_version: version,
    as_of: asOf,
    percentiles: z
      .strictObject({
        method: z
          .literal('log-histogram')
          .describe(
            'Medians and p90s come from a histogram whose bucket bounds grow by bucket_ratio, so memory never grows with the number of records.',
          ),
        bucket_ratio: z.number().describe('The ratio between the upper and lower bound of a bucket.'),
        max_relative_error: z
          .number()
          .describe(
            'The most a reported percentile can differ from the exact nearest-rank value, relative to it: sqrt(bucket_ratio) - 1, rounded up (under 2%), before rounding to 0.001 h.',
          ),
      })
      .describe('How medians and p90s are estimated.'),
    overall: MttrGroup.describe('Every record before as_of.'),
    by_category: z
      .array(z.strictObject({ category: Category.describe('The category.'), ...mttrGroup }))
      .describe('Categories with records, in the order the FailureRecord contract lists them.'),
    by_severity: z
      .array(z.strictObject({ severity: Severity.describe('The severity.'), ...mttrGroup }))
      .describe('Severities with records, CRITICAL first.'),
  })
  .describe(
    'mttr-metrics.json: mean time to resolution (MTTR) and to prevention, and SLA compliance, overall, by category and by severity.',
  );
export type MttrMetrics = z.infer<typeof MttrMetrics>;
