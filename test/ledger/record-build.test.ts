import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import type { FailureLedger } from '../../src/ledger-store/failure-ledger.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { updateFailure } from '../../src/ledger-store/update-failure.ts';
import { captureOccurrence, type Occurrence } from '../../src/ledger/occurrence.ts';
import { BuildRecorder, type LedgerSettings } from '../../src/ledger/record-build.ts';

const settings = (buildId: string, at: string): LedgerSettings => ({
  buildId,
  at,
  buildOwner: 'alice',
  escalationContact: 'lead',
  repeatWindowDays: 90,
  reporter: 'test',
});

/**
 * One attempt of a build: every failure of scenarios s0..s(n-1), each run `repeat` times, as a
 * capture would collect them. A run's own failure has a failure_id (random, as a run's is) and a
 * trace id of its own, so two attempts differ in every id, as two captures do.
 */
function attempt(n: number, repeat = 2): BuildRecorder {
  const recorder = new BuildRecorder();
  for (let s = 0; s < n; s++)
    for (let r = 0; r < repeat; r++) {
      const occurrence: Occurrence = {
        ...captureOccurrence({
          capture: 'mismatch',
          subject: 'subject',
          scenario: `s${s}`,
          expected: 'exception',
          detected: null,
          message: `scenario s${s} expects exception; the run was detected as pass`,
          traceId: randomUUID(),
          startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, s, r)).toISOString(),
          file: `scenarios/s${s}.json`,
        }),
        failure_id: randomUUID(),
      };
      recorder.add(occurrence);
    }
  return recorder;
}

async function all(ledger: FailureLedger): Promise<FailureRecord[]> {
  const out: FailureRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await ledger.query({ limit: 500, cursor });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** A ledger as a person compares two: the ids of runs (random in every attempt) left out. */
const comparable = (records: FailureRecord[]) =>
  records
    .map((r) => ({
      ...r,
      failure_description: { ...r.failure_description, details: null },
      lab: { ...r.lab, trace_id: null, failure_trace_ids: [], occurrences: { ...r.lab.occurrences, trace_ids: [] } },
    }))
    .sort((a, b) => (a.failure_id < b.failure_id ? -1 : 1));

describe('recording a build is idempotent', () => {
  it('a rerun, two attempts at once, and a regression half-applied by a killed attempt leave the ledger as one clean run does', async () => {
    const at1 = '2026-01-01T00:00:00.000Z';
    const at2 = '2026-01-02T00:00:00.000Z';
    const prepare = async () => {
      const ledger = new MemoryLedger();
      await attempt(3).commit(ledger, settings('b1', at1));
      // s0's failure was resolved, so build b2 brings it back: a regression that reopens it.
      const [s0] = (await all(ledger)).filter((r) => r.lab.scenario_id === 's0');
      await updateFailure(ledger, s0!.failure_id, (r) => ({ ...r, status: 'RESOLVED' }));
      return { ledger, s0: s0!.failure_id };
    };

    const clean = await prepare();
    const first = await attempt(5).commit(clean.ledger, settings('b2', at2));
    expect(first).toMatchObject({ recorded: 5, occurrences: 10, repeats: 3, regressions: 1, already_recorded: 0 });
    const expected = comparable(await all(clean.ledger));
    expect(expected).toHaveLength(8);
    expect((await clean.ledger.get(clean.s0))!.status).toBe('OPEN');

    // The same build again, whole: every record is found by its id, nothing is added or changed.
    const again = await attempt(5).commit(clean.ledger, settings('b2', at2));
    expect(again).toMatchObject({ recorded: 0, occurrences: 0, regressions: 0, already_recorded: 5 });
    expect(comparable(await all(clean.ledger))).toEqual(expected);

    // Two attempts at once.
    const both = await prepare();
    const [a, b] = await Promise.all([
      attempt(5).commit(both.ledger, settings('b2', at2)),
      attempt(5).commit(both.ledger, settings('b2', at2)),
    ]);
    expect(a!.recorded + b!.recorded).toBe(5);
    expect(a!.already_recorded + b!.already_recorded).toBe(5);
    expect(comparable(await all(both.ledger))).toEqual(expected);

    // An attempt that created the regression's record but died before it reopened the old one:
    // the rerun finds the record, and reopens the old one once.
    const killed = await prepare();
    const partial = await prepare();
    await attempt(5).commit(partial.ledger, settings('b2', at2));
    const regression = (await all(partial.ledger)).find((r) => r.lab.regression !== null)!;
    await killed.ledger.create(regression);
    await attempt(5).commit(killed.ledger, settings('b2', at2));
    expect(comparable(await all(killed.ledger))).toEqual(expected);
  });

  it('a record of the build is named by the build and the fingerprint, never by a run', async () => {
    const one = new MemoryLedger();
    const two = new MemoryLedger();
    await attempt(2).commit(one, settings('b', '2026-01-01T00:00:00.000Z'));
    await attempt(2).commit(two, settings('b', '2026-01-01T00:00:00.000Z'));
    const ids = async (l: FailureLedger) => (await all(l)).map((r) => r.failure_id).sort();
    expect(await ids(one)).toEqual(await ids(two));
    const other = new MemoryLedger();
    await attempt(2).commit(other, settings('c', '2026-01-01T00:00:00.000Z'));
    expect(await ids(other)).not.toEqual(await ids(one));
  });
});

describe('a commit the ledger refuses part of', () => {
  it('tries every group, says how many of them were recorded and which were not, and a rerun records the rest once', async () => {
    const ledger = new MemoryLedger();
    let creates = 0;
    // A disk that fills after three records.
    const create = async (record: FailureRecord) => {
      if (++creates > 3) throw new Error('ENOSPC: no space left on device');
      return ledger.create(record);
    };
    const refusing = new Proxy(ledger, {
      get: (target, key) => {
        if (key === 'create') return create;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const refused = await attempt(6)
      .commit(refusing, settings('b1', '2026-01-02T00:00:00.000Z'))
      .catch((e: unknown) => e as Error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).name).toBe('StoreError');
    expect((refused as Error).message).toContain(
      'recorded 3 of 6 failure groups of build b1 (3 new, 0 already recorded); not recorded: 3',
    );
    expect((refused as Error).message).toContain('ENOSPC');
    expect(await all(ledger)).toHaveLength(3);
    const rerun = await attempt(6).commit(ledger, settings('b1', '2026-01-02T00:00:00.000Z'));
    expect(rerun.already_recorded).toBe(3);
    expect(await all(ledger)).toHaveLength(6);
  });
});
