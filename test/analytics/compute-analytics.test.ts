import { describe, expect, it } from 'vitest';
import { computeAnalytics, type FailureAnalytics } from '../../src/analytics/compute-analytics.ts';
import {
  FailureByCategory,
  FailureTrends,
  MttrMetrics,
  RepeatFailures,
} from '../../src/contracts/failure-analytics.ts';
import { UsageError } from '../../src/errors/usage-error.ts';
import { AS_OF, FP, failure, fid, handBuiltRecords } from '../fixtures/analytics-records.ts';
import { shuffled, streamOf } from './shuffle.ts';

const bytes = (a: FailureAnalytics) => JSON.stringify(a, null, 2);
const zeroCategories = { ARCHITECTURE: 0, QA: 0, SCOPE: 0, INFRA: 0, GOVERNANCE: 0, INTEGRATION: 0, UNKNOWN: 0 };
const zeroSeverities = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
const zeroStatuses = { OPEN: 0, INVESTIGATING: 0, RESOLVED: 0, PREVENTED: 0 };

describe('computeAnalytics on the hand-built ledger', async () => {
  const a = await computeAnalytics(streamOf(handBuiltRecords()), { asOf: AS_OF });

  it('satisfies the four contracts', () => {
    expect(FailureTrends.parse(a.trends)).toEqual(a.trends);
    expect(FailureByCategory.parse(a.byCategory)).toEqual(a.byCategory);
    expect(RepeatFailures.parse(a.repeats)).toEqual(a.repeats);
    expect(MttrMetrics.parse(a.mttr)).toEqual(a.mttr);
  });

  it('failure-trends: totals, one row per active UTC day, one per ISO week', () => {
    expect(a.trends.totals).toEqual({
      recorded: 10,
      runs: 17,
      repeats: 3,
      regressions: 3,
      by_category: { ...zeroCategories, QA: 1, SCOPE: 1, INFRA: 3, GOVERNANCE: 1, INTEGRATION: 3, UNKNOWN: 1 },
      by_severity: { CRITICAL: 3, HIGH: 3, MEDIUM: 2, LOW: 2 },
      resolved: 9,
      prevented: 3,
      reopened: 3,
      escalations: 3,
    });
    // [date, recorded, runs, repeats, regressions, resolved, prevented, reopened, escalations]
    expect(
      a.trends.days.map((d) => [
        d.date,
        d.recorded,
        d.runs,
        d.repeats,
        d.regressions,
        d.resolved,
        d.prevented,
        d.reopened,
        d.escalations,
      ]),
    ).toEqual([
      ['2025-11-01', 1, 2, 0, 0, 0, 0, 0, 0],
      ['2025-11-03', 0, 0, 0, 0, 1, 0, 0, 0],
      ['2025-11-10', 0, 0, 0, 0, 0, 1, 0, 0],
      ['2025-12-20', 1, 1, 0, 0, 0, 0, 0, 0],
      ['2025-12-30', 1, 1, 0, 0, 0, 0, 0, 0],
      ['2026-01-02', 1, 2, 0, 0, 0, 0, 0, 0],
      ['2026-01-03', 0, 0, 0, 0, 1, 0, 0, 0],
      ['2026-01-05', 1, 1, 0, 0, 1, 0, 0, 0],
      ['2026-01-06', 0, 0, 0, 0, 0, 1, 0, 0],
      ['2026-01-08', 1, 4, 0, 0, 0, 0, 0, 0],
      ['2026-01-09', 1, 3, 1, 1, 1, 0, 1, 1],
      ['2026-01-10', 0, 0, 0, 0, 3, 0, 0, 0],
      ['2026-01-11', 0, 0, 0, 0, 0, 1, 0, 0],
      ['2026-01-12', 1, 1, 1, 1, 0, 0, 1, 1],
      ['2026-01-13', 1, 1, 1, 1, 2, 0, 1, 1],
      ['2026-01-14', 1, 1, 0, 0, 0, 0, 0, 0],
    ]);
    expect(a.trends.days.find((d) => d.date === '2026-01-13')).toMatchObject({
      by_category: { ...zeroCategories, INFRA: 1 },
      by_severity: { ...zeroSeverities, CRITICAL: 1 },
    });
    expect(
      a.trends.weeks.map((w) => [
        w.week,
        w.starts,
        w.recorded,
        w.runs,
        w.resolved,
        w.prevented,
        w.reopened,
        w.escalations,
      ]),
    ).toEqual([
      ['2025-W44', '2025-10-27', 1, 2, 0, 0, 0, 0],
      ['2025-W45', '2025-11-03', 0, 0, 1, 0, 0, 0],
      ['2025-W46', '2025-11-10', 0, 0, 0, 1, 0, 0],
      ['2025-W51', '2025-12-15', 1, 1, 0, 0, 0, 0],
      ['2026-W01', '2025-12-29', 2, 3, 1, 0, 0, 0],
      ['2026-W02', '2026-01-05', 3, 8, 5, 2, 1, 1],
      ['2026-W03', '2026-01-12', 3, 3, 2, 0, 2, 2],
    ]);
  });

  it('failure-by-category: status at as-of (not now), severity, subcategories in contract order', () => {
    const c = a.byCategory;
    expect([c.total, c.runs, c.by_status, c.by_severity]).toEqual([
      10,
      17,
      { ...zeroStatuses, OPEN: 4, RESOLVED: 4, PREVENTED: 2 },
      { CRITICAL: 3, HIGH: 3, MEDIUM: 2, LOW: 2 },
    ]);
    expect(c.categories.map((x) => [x.category, x.total, x.runs])).toEqual([
      ['QA', 1, 4],
      ['SCOPE', 1, 1],
      ['INFRA', 3, 4],
      ['GOVERNANCE', 1, 1],
      ['INTEGRATION', 3, 6],
      ['UNKNOWN', 1, 1],
    ]);
    const infra = c.categories.find((x) => x.category === 'INFRA')!;
    expect(infra.by_status).toEqual({ ...zeroStatuses, RESOLVED: 2, PREVENTED: 1 });
    expect(infra.subcategories).toEqual([
      {
        subcategory: 'INFRA_DEPENDENCY',
        total: 1,
        runs: 2,
        by_status: { ...zeroStatuses, PREVENTED: 1 },
        by_severity: { ...zeroSeverities, LOW: 1 },
      },
      {
        subcategory: 'INFRA_CREDENTIALS',
        total: 2,
        runs: 2,
        by_status: { ...zeroStatuses, RESOLVED: 2 },
        by_severity: { ...zeroSeverities, CRITICAL: 2 },
      },
    ]);
    // Record 8 is INVESTIGATING now, but only from after as-of.
    expect(c.categories.find((x) => x.category === 'GOVERNANCE')!.by_status).toEqual({ ...zeroStatuses, OPEN: 1 });
  });

  it('repeat-failures: the two fingerprints that came back, most records first', () => {
    expect(a.repeats).toEqual({
      schema_version: 1,
      as_of: AS_OF,
      records: 10,
      fingerprints: 7,
      repeated_fingerprints: 2,
      repeat_records: 5,
      failures: [
        {
          fingerprint: FP.timeout,
          category: 'INTEGRATION',
          subcategory: 'INTEGRATION_TIMING',
          component: 'tool:search',
          records: 3,
          runs: 6,
          first_seen: '2026-01-02T10:00:00.000Z',
          last_seen: '2026-01-12T08:00:00.000Z',
          failure_ids: [fid(1), fid(2), fid(3)],
          latest_failure_id: fid(3),
          latest_status: 'OPEN',
          open_records: 2,
          escalations: 2,
          regressions: 2,
        },
        {
          fingerprint: FP.credentials,
          category: 'INFRA',
          subcategory: 'INFRA_CREDENTIALS',
          component: 'model',
          records: 2,
          runs: 2,
          first_seen: '2026-01-05T06:00:00.000Z',
          last_seen: '2026-01-13T06:00:00.000Z',
          failure_ids: [fid(4), fid(5)],
          latest_failure_id: fid(5),
          latest_status: 'RESOLVED',
          open_records: 0,
          escalations: 1,
          regressions: 1,
        },
      ],
    });
  });

  it('mttr-metrics: exact counts, means and maxima; percentiles within 2%; the SLA', () => {
    const m = a.mttr;
    expect(m.percentiles).toEqual({ method: 'log-histogram', bucket_ratio: 1.04, max_relative_error: 0.0199 });
    // Hours to first resolution: r1 24, r2 30, r4 2, r5 3, r6 48, r11 48, r12 240. To prevention: r4 24, r6 72, r11 216.
    expect(m.overall.records).toBe(10);
    expect(m.overall.resolution).toMatchObject({ count: 7, mean_hours: 56.429, max_hours: 240 });
    expectWithin(m.overall.resolution.median_hours, 30);
    expectWithin(m.overall.resolution.p90_hours, 240);
    expect(m.overall.prevention).toMatchObject({ count: 3, mean_hours: 104, max_hours: 216 });
    expectWithin(m.overall.prevention.median_hours, 72);
    expectWithin(m.overall.prevention.p90_hours, 216);
    // Open now: r2, r3, r7, r8; overdue: r2 and r3 (r8's target is as-of itself). Late: r2 (30 h of 24) and r12 (10 days of 7).
    expect(m.overall.sla).toEqual({ open: 4, overdue: 2, resolved_within_sla: 5, resolved_late: 2 });
    expect(
      m.by_severity.map((s) => [
        s.severity,
        s.records,
        s.resolution.count,
        s.resolution.mean_hours,
        s.prevention.count,
        s.sla,
      ]),
    ).toEqual([
      ['CRITICAL', 3, 2, 2.5, 1, { open: 1, overdue: 0, resolved_within_sla: 2, resolved_late: 0 }],
      ['HIGH', 3, 2, 27, 0, { open: 2, overdue: 2, resolved_within_sla: 1, resolved_late: 1 }],
      ['MEDIUM', 2, 2, 144, 1, { open: 0, overdue: 0, resolved_within_sla: 1, resolved_late: 1 }],
      ['LOW', 2, 1, 48, 1, { open: 1, overdue: 0, resolved_within_sla: 1, resolved_late: 0 }],
    ]);
    expect(
      m.by_category.map((c) => [
        c.category,
        c.records,
        c.resolution.count,
        c.resolution.mean_hours,
        c.prevention.mean_hours,
      ]),
    ).toEqual([
      ['QA', 1, 1, 48, 72],
      ['SCOPE', 1, 0, null, null],
      ['INFRA', 3, 3, 17.667, 120],
      ['GOVERNANCE', 1, 0, null, null],
      ['INTEGRATION', 3, 2, 27, null],
      ['UNKNOWN', 1, 1, 240, null],
    ]);
    // A group of one duration is exact.
    expect(m.by_category[0]!.resolution).toEqual({
      count: 1,
      mean_hours: 48,
      median_hours: 48,
      p90_hours: 48,
      max_hours: 48,
    });
  });

  it('matches the golden files (written by running this code, read by a person)', async () => {
    await expect(`${JSON.stringify(a.trends, null, 2)}\n`).toMatchFileSnapshot(
      '../fixtures/analytics/failure-trends.json',
    );
    await expect(`${JSON.stringify(a.byCategory, null, 2)}\n`).toMatchFileSnapshot(
      '../fixtures/analytics/failure-by-category.json',
    );
    await expect(`${JSON.stringify(a.repeats, null, 2)}\n`).toMatchFileSnapshot(
      '../fixtures/analytics/repeat-failures.json',
    );
    await expect(`${JSON.stringify(a.mttr, null, 2)}\n`).toMatchFileSnapshot('../fixtures/analytics/mttr-metrics.json');
  });
});

function expectWithin(actual: number | null, exact: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(exact * 0.0199 + 0.0005);
}

describe('computeAnalytics determinism', () => {
  it('gives byte-identical output for the same records twice, and for any order of them', async () => {
    const records = handBuiltRecords();
    const reference = bytes(await computeAnalytics(records, { asOf: AS_OF }));
    expect(bytes(await computeAnalytics(streamOf(records), { asOf: AS_OF }))).toBe(reference);
    for (const seed of [1, 2, 3, 42])
      expect(bytes(await computeAnalytics(streamOf(shuffled(records, seed)), { asOf: AS_OF }))).toBe(reference);
  });

  it('leaves out records, status changes and escalations at or after as-of', async () => {
    const records = handBuiltRecords();
    const before = records.filter((r) => Date.parse(r.timestamp) < Date.parse(AS_OF));
    expect(before).toHaveLength(10);
    const reference = bytes(await computeAnalytics(before, { asOf: AS_OF }));
    expect(bytes(await computeAnalytics(records, { asOf: AS_OF }))).toBe(reference);
    // The future happens to record 3: resolved, prevented and escalated after as-of.
    const future = records.map((r) =>
      r.failure_id !== fid(3)
        ? r
        : {
            ...r,
            status: 'PREVENTED' as const,
            lab: {
              ...r.lab,
              status_history: [
                ...r.lab.status_history,
                {
                  from: 'OPEN' as const,
                  to: 'RESOLVED' as const,
                  at: '2026-01-15T00:00:00.000Z',
                  actor: 'bob',
                  note: null,
                  build_id: null,
                },
                {
                  from: 'RESOLVED' as const,
                  to: 'PREVENTED' as const,
                  at: '2026-02-01T00:00:00.000Z',
                  actor: 'bob',
                  note: null,
                  build_id: null,
                },
              ],
              escalations: [
                ...r.lab.escalations,
                {
                  level: 'escalation_contact' as const,
                  to: null,
                  at: '2026-01-16T00:00:00.000Z',
                  occurrence: 4,
                  build_id: 'b9',
                },
              ],
            },
          },
    );
    expect(bytes(await computeAnalytics(future, { asOf: AS_OF }))).toBe(reference);
  });

  it('writes as_of in one canonical form, and refuses a time that is not ISO UTC', async () => {
    const a = await computeAnalytics([], { asOf: '2026-01-15T00:00:00Z' });
    expect(a.trends.as_of).toBe(AS_OF);
    expect(a.trends).toMatchObject({ days: [], weeks: [], totals: { recorded: 0 } });
    expect(a.mttr.overall.resolution.mean_hours).toBeNull();
    await expect(computeAnalytics([], { asOf: 'last tuesday' })).rejects.toThrow(UsageError);
    await expect(computeAnalytics([], { asOf: '2026-01-15T00:00:00+02:00' })).rejects.toThrow(/ISO 8601 UTC/);
  });

  it('lists the first 50 failure ids of a long repeat, oldest first, whatever the order', async () => {
    const records = Array.from({ length: 60 }, (_, i) =>
      failure({
        n: 100 + i,
        at: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 3_600_000).toISOString().slice(0, 16),
        fp: 'flaky',
        category: 'UNKNOWN',
        subcategory: 'OTHER_TRANSIENT',
        severity: 'LOW',
        runs: 1,
        build: `b${i}`,
        component: 'x',
        history: [['OPEN', new Date(Date.parse('2026-01-01T00:00:00Z') + i * 3_600_000).toISOString().slice(0, 16)]],
      }),
    );
    const [repeat] = (await computeAnalytics(shuffled(records, 9), { asOf: AS_OF })).repeats.failures;
    expect(repeat!.records).toBe(60);
    expect(repeat!.failure_ids).toEqual(Array.from({ length: 50 }, (_, i) => fid(100 + i)));
    expect(repeat!.latest_failure_id).toBe(fid(159));
  });
});
