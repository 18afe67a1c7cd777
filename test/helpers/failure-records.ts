import { randomUUID } from 'node:crypto';
import { FailureRecord, SUBCATEGORIES } from '../../src/contracts/failure-record.ts';

/** Overrides of a FailureRecord: top-level fields, and the fields of its sections one level down. */
export type FailureOverrides = {
  [K in keyof FailureRecord]?: FailureRecord[K] extends readonly unknown[] | null
    ? FailureRecord[K]
    : FailureRecord[K] extends object
      ? Partial<FailureRecord[K]>
      : FailureRecord[K];
};

/** A fingerprint of the contract's shape (fp1: and 32 hex digits), distinct per seed. */
export function fingerprintOf(seed: string | number): string {
  return `fp1:${Buffer.from(String(seed)).toString('hex').padEnd(32, '0').slice(0, 32)}`;
}

/**
 * A valid FailureRecord (revision 1, OPEN, a new failure_id), validated by the contract. Sections
 * given in `overrides` are merged field by field; a category without a subcategory gets its first one.
 */
export function makeFailureRecord(overrides: FailureOverrides = {}): FailureRecord {
  const failureId = overrides.failure_id ?? randomUUID();
  const timestamp = overrides.timestamp ?? '2026-01-01T00:00:00.000Z';
  const category = overrides.category ?? 'INFRA';
  const base: FailureRecord = {
    schema_version: 1,
    record_type: 'failure_record',
    failure_id: failureId,
    build_id: 'build-1',
    timestamp,
    category,
    subcategory: SUBCATEGORIES[category][0],
    severity: 'MEDIUM',
    status: 'OPEN',
    failure_description: {
      summary: 'the subject timed out',
      details: '',
      error_message: 'deadline exceeded',
      stack_trace: null,
      logs_url: null,
    },
    context: { phase: 'TESTING', component: 'subject-a', file_path: 'scenarios/a.json', line_number: null },
    root_cause: {
      analysis_status: 'PENDING',
      root_cause_summary: null,
      contributing_factors: [],
      why_not_prevented: null,
    },
    resolution: {
      resolution_type: null,
      resolution_description: null,
      resolution_commit: null,
      resolution_pr: null,
      resolution_timestamp: null,
      resolved_by: null,
    },
    prevention: {
      prevention_measures: [],
      governance_updates: [],
      precondition_updates: [],
      test_additions: [],
      documentation_updates: [],
    },
    repetition_tracking: {
      is_repeat: false,
      previous_occurrence_ids: [],
      repeat_count: 0,
      days_since_last_occurrence: null,
    },
    learning: {
      lessons_learned: [],
      governance_implications: null,
      fm_evolution_implications: null,
      propagation_required: false,
      propagation_status: 'PENDING',
    },
    metadata: {
      reporter: 'lab',
      owner: null,
      priority: 'P2',
      sla_resolution_target: '2026-01-08T00:00:00.000Z',
      tags: [],
    },
    lab: {
      revision: 1,
      fingerprint: fingerprintOf(failureId),
      fingerprint_version: 1,
      source: 'run',
      rule: 'timeout',
      subject_id: 'subject-a',
      scenario_id: 'scenario-a',
      kind: 'timeout',
      expected: 'timeout',
      failure_type: 'timeout',
      trace_id: randomUUID(),
      failure_trace_ids: [],
      occurrences: { count: 1, trace_ids: [], scenario_ids: [] },
      escalations: [],
      regression: null,
      reopened_by: [],
      status_history: [{ from: null, to: 'OPEN', at: timestamp, actor: 'lab', note: null, build_id: 'build-1' }],
      verification: null,
    },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof current === 'object' &&
      current !== null
        ? { ...current, ...value }
        : value;
  }
  return FailureRecord.parse(merged);
}
