import { z } from 'zod';
import { IsoTime, Uuid } from './common.ts';
import { FailureKind } from './failure-kind.ts';
import { FailureType } from './failure-trace.ts';

/** The failure categories of the ledger ("Failure categories" in the README). */
export const FAILURE_CATEGORIES = [
  'ARCHITECTURE',
  'QA',
  'SCOPE',
  'INFRA',
  'GOVERNANCE',
  'INTEGRATION',
  'UNKNOWN',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

/** Each category's subcategories, exactly as the ledger's categorization defines them. */
export const SUBCATEGORIES = {
  ARCHITECTURE: [
    'ARCHITECTURE_INCOMPLETE',
    'ARCHITECTURE_AMBIGUOUS',
    'ARCHITECTURE_INCORRECT',
    'ARCHITECTURE_DRIFT',
    'ARCHITECTURE_CONFLICT',
  ],
  QA: [
    'QA_COVERAGE_INCOMPLETE',
    'QA_ASSERTION_INCORRECT',
    'QA_FALSE_POSITIVE',
    'QA_FALSE_NEGATIVE',
    'QA_UNMAPPED',
    'QA_TEST_DEBT',
  ],
  SCOPE: ['SCOPE_AMBIGUOUS', 'SCOPE_CREEP', 'SCOPE_CONFLICT', 'SCOPE_INCOMPLETE', 'SCOPE_NOT_FROZEN'],
  INFRA: [
    'INFRA_ENVIRONMENT',
    'INFRA_DEPENDENCY',
    'INFRA_TOOLING',
    'INFRA_RESOURCE',
    'INFRA_NETWORK',
    'INFRA_CREDENTIALS',
  ],
  GOVERNANCE: [
    'GOVERNANCE_RULE_CONFLICT',
    'GOVERNANCE_INTERPRETATION',
    'GOVERNANCE_ENFORCEMENT_GAP',
    'GOVERNANCE_EXCEPTION_EXPIRED',
    'GOVERNANCE_CHECKLIST_INCOMPLETE',
  ],
  INTEGRATION: [
    'INTEGRATION_API_MISMATCH',
    'INTEGRATION_DATA_MISMATCH',
    'INTEGRATION_TIMING',
    'INTEGRATION_DEPENDENCY_ORDER',
    'INTEGRATION_STATE_MISMATCH',
  ],
  UNKNOWN: ['UNKNOWN_ROOT_CAUSE', 'OTHER_TRANSIENT', 'OTHER_EXTERNAL', 'OTHER_NOVEL'],
} as const satisfies Record<FailureCategory, readonly string[]>;
export type FailureSubcategory = (typeof SUBCATEGORIES)[FailureCategory][number];
/** Every subcategory, in the order of the table. */
export const ALL_SUBCATEGORIES = Object.values(SUBCATEGORIES).flat() as [FailureSubcategory, ...FailureSubcategory[]];

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STATUSES = ['OPEN', 'INVESTIGATING', 'RESOLVED', 'PREVENTED'] as const;
export type FailureStatus = (typeof STATUSES)[number];
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export const RESOLUTION_TYPES = ['FIX', 'ARCHITECTURE_CHANGE', 'GOVERNANCE_UPDATE', 'PREVENTION_ADDED'] as const;
const Progress = z.enum(['PENDING', 'IN_PROGRESS', 'COMPLETE']);

/** The version of the fingerprint algorithm; a new algorithm is a new version, never a silent regrouping. */
export const FINGERPRINT_VERSION = 1;

/** One transition of a record's status, or its creation (from null). */
export const StatusChange = z.strictObject({
  from: z.enum(STATUSES).nullable().describe('null when the record was created.'),
  to: z.enum(STATUSES),
  at: IsoTime,
  actor: z.string().min(1).describe('Who made the change: a person, or "lab" for the lab itself.'),
  note: z.string().nullable(),
  build_id: z.string().nullable().describe('The build it happened in, for a creation or a regression.'),
});
export type StatusChange = z.infer<typeof StatusChange>;

/** An escalation of a repeated failure. */
export const Escalation = z.strictObject({
  level: z
    .enum(['build_owner', 'escalation_contact'])
    .describe('build_owner on the second occurrence, escalation_contact from the third.'),
  to: z.string().nullable().describe('LAB_BUILD_OWNER or LAB_ESCALATION_CONTACT; null when it is not configured.'),
  at: IsoTime,
  occurrence: z.int().min(2).describe('Which occurrence of the failure triggered it (2 for the first repeat).'),
  build_id: z.string(),
});
export type Escalation = z.infer<typeof Escalation>;

/** The evidence that a failure was prevented: its known-bad case detected with the same fingerprint, and a compliant control passing. */
export const PreventionVerification = z.strictObject({
  verified_at: IsoTime,
  actor: z.string(),
  regression: z.strictObject({
    scenario_id: z.string(),
    file: z.string(),
    trace_id: z.string(),
    detected: FailureKind.nullable(),
    fingerprint: z.string().nullable(),
  }),
  control: z.strictObject({
    scenario_id: z.string(),
    file: z.string(),
    trace_id: z.string(),
    detected: FailureKind.nullable(),
  }),
});
export type PreventionVerification = z.infer<typeof PreventionVerification>;

/** What the lab keeps beside the document's fields (never instead of them). */
export const LabFailureFields = z.strictObject({
  revision: z.int().min(1).describe('Compare-and-swap version: 1 when created, one more with every update.'),
  fingerprint: z
    .string()
    .regex(/^fp1:[0-9a-f]{32}$/)
    .describe('Groups occurrences of the same failure (see "Fingerprints" in the README).'),
  fingerprint_version: z.literal(FINGERPRINT_VERSION),
  source: z
    .enum(['run', 'capture'])
    .describe(
      'run: a failure the lab detected in a subject; capture: a failure of the capture itself (a mismatch with the expected label, a record not stored or read back, a lab error).',
    ),
  rule: z
    .string()
    .describe(
      'The categorization rule that matched (the table in the README), or "triage" when the scenario overrode it.',
    ),
  subject_id: z.string().nullable(),
  scenario_id: z.string().nullable(),
  kind: FailureKind.nullable().describe(
    'The detected kind, for a run failure; for a mismatch, the kind detected (null: it passed).',
  ),
  expected: FailureKind.nullable().describe("The scenario's expected kind (null: it must pass)."),
  failure_type: FailureType.nullable(),
  trace_id: z.string().nullable().describe('The first run of this failure in the build (its TraceRecord).'),
  failure_trace_ids: z.array(z.string()).describe('The failure traces of that run.'),
  occurrences: z.strictObject({
    count: z
      .int()
      .min(1)
      .describe(
        'Runs of this build with this fingerprint (capture --repeat N runs a scenario N times: one record, N occurrences).',
      ),
    trace_ids: z.array(z.string()).max(100).describe('Their trace ids, the first 100.'),
    scenario_ids: z
      .array(z.string())
      .max(100)
      .describe(
        'The scenarios that failed this way in the build (the fingerprint does not hold the scenario: two scenarios can show one failure), the first 100.',
      ),
  }),
  escalations: z.array(Escalation),
  regression: z
    .strictObject({ of: Uuid, build_id: z.string() })
    .nullable()
    .describe(
      'Set when this failure came back after an earlier occurrence was RESOLVED or PREVENTED: that record, and this build.',
    ),
  reopened_by: z
    .array(z.strictObject({ failure_id: Uuid, build_id: z.string(), at: IsoTime }))
    .describe('Later occurrences that reopened this record.'),
  status_history: z.array(StatusChange).min(1),
  verification: PreventionVerification.nullable(),
});

const nullableText = z.string().nullable();

/**
 * A failure in the ledger: the failure record of the build-failure telemetry schema, field by
 * field, with the lab's own fields under `lab`. Created by capture for every failure (one per
 * fingerprint and build), updated through compare-and-swap on `lab.revision`.
 */
export const FailureRecord = z
  .strictObject({
    schema_version: z.literal(1),
    record_type: z.literal('failure_record'),
    failure_id: Uuid.describe(
      "The run's own failure_id (so the record, its trace and its failure traces join on it), or a new id for a failure of the capture itself.",
    ),
    build_id: z.string().min(1).describe('The capture it was recorded in.'),
    timestamp: IsoTime.describe('When the build recorded it (the ledger clock).'),
    category: z.enum(FAILURE_CATEGORIES),
    subcategory: z.enum(ALL_SUBCATEGORIES),
    severity: z.enum(SEVERITIES),
    status: z.enum(STATUSES),
    failure_description: z.strictObject({
      summary: z.string().min(1),
      details: z.string(),
      error_message: z.string(),
      stack_trace: nullableText,
      logs_url: nullableText.describe('Always null: the lab has no log service; the trace (lab.trace_id) is the log.'),
    }),
    context: z.strictObject({
      phase: z.enum(['AUTHORIZATION', 'COMPILATION', 'TESTING', 'INTEGRATION', 'DEPLOYMENT']),
      component: z.string().min(1),
      file_path: nullableText.describe('The scenario file, relative to the project.'),
      line_number: z.int().positive().nullable(),
    }),
    root_cause: z.strictObject({
      analysis_status: Progress,
      root_cause_summary: nullableText,
      contributing_factors: z.array(z.string()),
      why_not_prevented: nullableText,
    }),
    resolution: z.strictObject({
      resolution_type: z.enum(RESOLUTION_TYPES).nullable(),
      resolution_description: nullableText,
      resolution_commit: nullableText,
      resolution_pr: nullableText,
      resolution_timestamp: IsoTime.nullable(),
      resolved_by: nullableText,
    }),
    prevention: z.strictObject({
      prevention_measures: z
        .array(z.string())
        .describe('Measures taken; those the lab suggests start with "suggested: ".'),
      governance_updates: z.array(z.string()),
      precondition_updates: z.array(z.string()),
      test_additions: z
        .array(z.string())
        .describe('The regression and control scenarios that verified the prevention.'),
      documentation_updates: z.array(z.string()),
    }),
    repetition_tracking: z.strictObject({
      is_repeat: z.boolean(),
      previous_occurrence_ids: z.array(Uuid),
      repeat_count: z.int().nonnegative().describe('Earlier occurrences within the repeat window (0 for the first).'),
      days_since_last_occurrence: z.int().nonnegative().nullable(),
    }),
    learning: z.strictObject({
      lessons_learned: z.array(z.string()),
      governance_implications: nullableText,
      fm_evolution_implications: nullableText,
      propagation_required: z.boolean(),
      propagation_status: Progress,
    }),
    metadata: z.strictObject({
      reporter: z.string(),
      owner: nullableText,
      priority: z.enum(PRIORITIES),
      sla_resolution_target: IsoTime,
      tags: z.array(z.string()),
    }),
    lab: LabFailureFields,
  })
  .superRefine((record, ctx) => {
    if (!(SUBCATEGORIES[record.category] as readonly string[]).includes(record.subcategory)) {
      ctx.addIssue({
        code: 'custom',
        path: ['subcategory'],
        message: `${record.subcategory} is not a subcategory of ${record.category} (its subcategories: ${SUBCATEGORIES[record.category].join(', ')})`,
      });
    }
  })
  .describe(
    'A failure in the ledger: the build-failure record, field by field, with the lab\'s own fields under `lab` (see "The failure ledger" in the README).',
  );
export type FailureRecord = z.infer<typeof FailureRecord>;
