import { afterEach, expect, it } from 'vitest';
import { type FailureRecord, SEVERITIES, STATUSES } from '../../src/contracts/failure-record.ts';
import { ConflictError } from '../../src/errors/conflict-error.ts';
import { ContractViolationError } from '../../src/errors/contract-violation-error.ts';
import { StoreError } from '../../src/errors/store-error.ts';
import type { FailureLedger, FailurePage, FailureQuery } from '../../src/ledger-store/failure-ledger.ts';
import { updateFailure } from '../../src/ledger-store/update-failure.ts';
import { fingerprintOf, makeFailureRecord } from '../helpers/failure-records.ts';

/** Every page of a query, following cursors. */
export async function queryAllFailures(ledger: FailureLedger, query: FailureQuery = {}): Promise<FailureRecord[]> {
  const out: FailureRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: FailurePage = await ledger.query({ ...query, cursor });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The next revision of a record, with a change applied. */
export function nextRevision(record: FailureRecord, change: Partial<FailureRecord> = {}): FailureRecord {
  return { ...record, ...change, lab: { ...record.lab, revision: record.lab.revision + 1 } };
}

const ids = (records: readonly FailureRecord[]) => records.map((r) => r.failure_id);
const sortedIds = (records: readonly FailureRecord[]) => ids(records).sort();
const second = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

/** The behaviour every FailureLedger backend must have; each backend's test file calls this. */
export function failureLedgerContract(open: () => Promise<FailureLedger>): void {
  let ledger: FailureLedger | undefined;
  const fresh = async () => (ledger = await open());
  afterEach(async () => {
    await ledger?.close().catch(() => {});
    ledger = undefined;
  });

  it('returns an equal record by its failure_id, and undefined for a missing one', async () => {
    const l = await fresh();
    const record = makeFailureRecord({ metadata: { tags: ['a', 'b'] } });
    await l.create(record);
    expect(await l.get(record.failure_id)).toEqual(record);
    expect(await l.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('refuses to create a failure_id that exists (ConflictError naming it) and keeps the stored record', async () => {
    const l = await fresh();
    const record = makeFailureRecord();
    await l.create(record);
    const again = { ...record, status: 'INVESTIGATING' as const };
    const error = await l.create(again).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).recordKey).toBe(record.failure_id);
    expect((error as Error).message).toContain(record.failure_id);
    expect(await l.get(record.failure_id)).toEqual(record);
  });

  it('replaces on the revision read, and refuses a stale revision with ConflictError naming the record, writing nothing', async () => {
    const l = await fresh();
    const record = makeFailureRecord();
    await l.create(record);
    const investigating = nextRevision(record, { status: 'INVESTIGATING' });
    await l.replace(investigating, 1);
    expect(await l.get(record.failure_id)).toEqual(investigating);

    const stale = nextRevision(record, { status: 'RESOLVED' }); // Made from revision 1, which is gone.
    const error = await l.replace(stale, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).recordKey).toBe(record.failure_id);
    expect((error as ConflictError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(new RegExp(`failure ${record.failure_id}: stored revision is 2, not 1`));
    expect(await l.get(record.failure_id)).toEqual(investigating);
    expect(await queryAllFailures(l, { status: 'RESOLVED' })).toEqual([]);
  });

  it('refuses to replace a record that does not exist (ConflictError), and stores nothing', async () => {
    const l = await fresh();
    const record = makeFailureRecord();
    const error = await l.replace(nextRevision(record), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).recordKey).toBe(record.failure_id);
    expect(await l.get(record.failure_id)).toBeUndefined();
  });

  it('refuses writes that break the revision rule: created at 1, replaced at exactly one more', async () => {
    const l = await fresh();
    const record = makeFailureRecord();
    await expect(l.create({ ...record, lab: { ...record.lab, revision: 2 } })).rejects.toThrow(
      /lab\.revision 2; a new record carries revision 1/,
    );
    await l.create(record);
    await expect(l.replace(record, 1)).rejects.toBeInstanceOf(ContractViolationError);
    await expect(l.replace({ ...record, lab: { ...record.lab, revision: 3 } }, 1)).rejects.toThrow(
      /a replacement of revision 1 carries revision 2/,
    );
    expect(await l.get(record.failure_id)).toEqual(record);
  });

  it('refuses on write a record that breaks the contract, naming it, and stores nothing', async () => {
    const l = await fresh();
    const wrongSubcategory = {
      ...makeFailureRecord({ category: 'QA' }),
      subcategory: 'INFRA_NETWORK',
    } as FailureRecord;
    const unknownField = { ...makeFailureRecord(), analyst_note: 'x' } as FailureRecord;
    const otherVersion = { ...makeFailureRecord(), schema_version: 2 } as unknown as FailureRecord;
    for (const bad of [wrongSubcategory, unknownField, otherVersion]) {
      const error = await l.create(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContractViolationError);
      expect((error as Error).message).toContain(
        `record ${bad.failure_id}: record to store breaks the FailureRecord contract`,
      );
      expect(await l.get(bad.failure_id)).toBeUndefined();
    }
    expect(((await l.create(wrongSubcategory).catch((e: unknown) => e)) as Error).message).toContain(
      'INFRA_NETWORK is not a subcategory of QA',
    );
    expect(((await l.create(otherVersion).catch((e: unknown) => e)) as Error).message).toContain(
      '(schema_version 2; this lab reads and writes version 1)',
    );

    const good = makeFailureRecord();
    await l.create(good);
    await expect(
      l.replace({ ...nextRevision(good), severity: 'URGENT' } as unknown as FailureRecord, 1),
    ).rejects.toBeInstanceOf(ContractViolationError);
    expect(await l.get(good.failure_id)).toEqual(good);
  });

  it('filters by every field of the query: statuses, category, severity, fingerprint, build, time window and overdue_at', async () => {
    const l = await fresh();
    // Record i: one of the four statuses in turn, INFRA for the first six, ... and its SLA i hours past 2026-01-02.
    const records = Array.from({ length: 12 }, (_, i) =>
      makeFailureRecord({
        status: STATUSES[i % 4],
        category: i < 6 ? 'INFRA' : 'QA',
        severity: i % 3 === 0 ? 'CRITICAL' : 'LOW',
        build_id: i < 4 ? 'build-a' : 'build-b',
        timestamp: second(i),
        metadata: { sla_resolution_target: new Date(Date.UTC(2026, 0, 2, i)).toISOString() },
        lab: { fingerprint: fingerprintOf(i % 2 ? 'odd' : 'even') },
      }),
    );
    for (const r of records) await l.create(r);
    const where = (keep: (i: number) => boolean) => ids(records.filter((_, i) => keep(i)));

    expect(ids(await queryAllFailures(l))).toEqual(ids(records));
    expect(ids(await queryAllFailures(l, { status: 'OPEN' }))).toEqual(where((i) => i % 4 === 0));
    expect(ids(await queryAllFailures(l, { status: ['OPEN', 'RESOLVED'] }))).toEqual(
      where((i) => i % 4 === 0 || i % 4 === 2),
    );
    expect(await queryAllFailures(l, { status: [] })).toEqual([]);
    expect(ids(await queryAllFailures(l, { category: 'QA' }))).toEqual(where((i) => i >= 6));
    expect(ids(await queryAllFailures(l, { severity: 'CRITICAL' }))).toEqual(where((i) => i % 3 === 0));
    expect(ids(await queryAllFailures(l, { severity: SEVERITIES[1] }))).toEqual([]);
    expect(ids(await queryAllFailures(l, { fingerprint: fingerprintOf('odd') }))).toEqual(where((i) => i % 2 === 1));
    expect(ids(await queryAllFailures(l, { build_id: 'build-a' }))).toEqual(where((i) => i < 4));
    expect(ids(await queryAllFailures(l, { since: second(3), until: second(7) }))).toEqual(
      where((i) => i >= 3 && i < 7),
    );
    // Times without milliseconds mean the same instants.
    expect(ids(await queryAllFailures(l, { since: '2026-01-01T00:00:03Z', until: '2026-01-01T00:00:07Z' }))).toEqual(
      where((i) => i >= 3 && i < 7),
    );
    // Past their SLA (strictly) at 05:00, and neither RESOLVED nor PREVENTED.
    expect(ids(await queryAllFailures(l, { overdue_at: '2026-01-02T05:00:00Z' }))).toEqual(
      where((i) => i < 5 && i % 4 < 2),
    );
    expect(ids(await queryAllFailures(l, { overdue_at: '2026-01-03T00:00:00.000Z', status: 'INVESTIGATING' }))).toEqual(
      where((i) => i % 4 === 1),
    );
    expect(
      ids(
        await queryAllFailures(l, {
          category: 'INFRA',
          severity: 'LOW',
          build_id: 'build-b',
          status: ['OPEN', 'INVESTIGATING', 'RESOLVED'],
        }),
      ),
    ).toEqual(where((i) => i >= 4 && i < 6 && i % 3 !== 0 && i % 4 !== 3));
    await expect(l.query({ since: 'yesterday' })).rejects.toThrow(/since "yesterday" is not an ISO 8601 time/);
  });

  it('pages with cursors, ordered by timestamp then failure_id', async () => {
    const l = await fresh();
    // Five records share each timestamp, so the order within a timestamp is failure_id's.
    const records = Array.from({ length: 23 }, (_, i) =>
      makeFailureRecord({ timestamp: second(i % 5), severity: i % 2 ? 'HIGH' : 'LOW' }),
    );
    for (const r of records) await l.create(r);
    const expected = [...records].sort((a, b) =>
      a.timestamp === b.timestamp ? (a.failure_id < b.failure_id ? -1 : 1) : a.timestamp < b.timestamp ? -1 : 1,
    );

    const first = await l.query({ limit: 4 });
    expect(ids(first.records)).toEqual(ids(expected.slice(0, 4)));
    expect(first.cursor).toEqual(expect.any(String));
    const secondPage = await l.query({ limit: 4, cursor: first.cursor });
    expect(ids(secondPage.records)).toEqual(ids(expected.slice(4, 8)));

    expect(ids(await queryAllFailures(l, { limit: 4 }))).toEqual(ids(expected));
    expect(ids(await queryAllFailures(l, { limit: 1 }))).toEqual(ids(expected));
    expect(ids(await queryAllFailures(l, { limit: 3, severity: 'HIGH' }))).toEqual(
      ids(expected.filter((r) => r.severity === 'HIGH')),
    );
    const whole = await l.query({ limit: 23 });
    expect(whole.records).toHaveLength(23);
    expect(whole.cursor).toBeNull();
    expect((await l.query()).records).toHaveLength(23);
  });

  it('refuses work after close', async () => {
    const l = await fresh();
    const record = makeFailureRecord();
    await l.create(record);
    await l.close();
    await expect(l.get(record.failure_id)).rejects.toBeInstanceOf(StoreError);
    await expect(l.create(makeFailureRecord())).rejects.toBeInstanceOf(StoreError);
    await expect(l.replace(nextRevision(record), 1)).rejects.toBeInstanceOf(StoreError);
    await expect(l.query()).rejects.toBeInstanceOf(StoreError);
  });

  it('lands every one of 20 concurrent updateFailure calls, each adding a different tag', async () => {
    const l = await fresh();
    const record = makeFailureRecord();
    await l.create(record);
    const tags = Array.from({ length: 20 }, (_, i) => `tag-${i}`);
    // 20 rounds at most: a round is lost only when one of the 19 other updates landed since its read.
    await Promise.all(
      tags.map((tag) =>
        updateFailure(
          l,
          record.failure_id,
          (r) => ({ ...r, metadata: { ...r.metadata, tags: [...r.metadata.tags, tag] } }),
          { attempts: tags.length },
        ),
      ),
    );
    const stored = await l.get(record.failure_id);
    expect([...stored!.metadata.tags].sort()).toEqual([...tags].sort());
    expect(stored!.lab.revision).toBe(21);
    expect(sortedIds(await queryAllFailures(l))).toEqual([record.failure_id]);
  });
}
