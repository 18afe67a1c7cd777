import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import { type RecordType, storeKey } from '../../src/contracts/lab-record.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { QueryResult, TracePage, TraceQuery } from '../../src/store/trace-store.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { mergeBuild } from '../../src/merge/merge-build.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { type LoadedScenario, loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { queryAll } from '../store/trace-store-contract.ts';

/** A store that loses a record from its queries, as a broken backend would. */
class ForgetfulStore extends MemoryStore {
  readonly #forgotten = new Set<string>();
  forget(key: string): void {
    this.#forgotten.add(key);
  }
  override async query<T extends RecordType | 'all' | undefined = undefined>(
    query: TraceQuery & { record_type?: T } = {},
  ): Promise<TracePage<QueryResult<T>>> {
    const page = await super.query(query);
    return { ...page, records: page.records.filter((r) => !this.#forgotten.has(storeKey(r))) };
  }
}

const SETTINGS = {
  at: '2026-11-02T09:00:00.000Z',
  buildOwner: 'alice',
  escalationContact: null,
  repeatWindowDays: 90,
  reporter: 'test',
};
let subjects: Map<string, Subject>;
let scenarios: LoadedScenario[];
let server: ScriptedModelServer;

beforeAll(async () => {
  subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  // A mix of every outcome, fast ones: the check is of bookkeeping, not of the subjects.
  scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects))
    .filter((l) => l.scenario.deadline_ms <= 5000 && !l.scenario.id.startsWith('rule-'))
    .slice(0, 24);
  server = await ScriptedModelServer.start();
});
afterAll(() => server.close());

/** Each run's outcome, by scenario and repeat: what a sharded build must reproduce. */
async function outcomes(store: MemoryStore, buildId: string): Promise<string[]> {
  return (await queryAll<TraceRecord>(store, { build_id: buildId, limit: 1000 }))
    .map((r) => `${r.scenario_id}#${r.run.repeat_index}:${r.expected ?? 'pass'}->${r.detected ?? 'pass'}`)
    .sort();
}

/**
 * One shard's capture of the build. The tests run a build's shards at once, as shards on several
 * machines do: the merge reads what they stored, whatever order they finished in.
 */
const shardOf = (
  store: MemoryStore,
  buildId: string,
  index: number,
  extra: Partial<Parameters<typeof runCapture>[0]> = {},
) =>
  runCapture({
    scenarios,
    subjects,
    store,
    model: server,
    concurrency: 8,
    repeat: 2,
    buildId,
    shard: { index, count: 4 },
    ...extra,
  });

describe('merge of a sharded build', () => {
  it('four shards give the runs, summary and ledger records of one capture of the whole build', async () => {
    const whole = new MemoryStore();
    const wholeLedger = new MemoryLedger();
    const single = await runCapture({
      scenarios,
      subjects,
      store: whole,
      model: server,
      concurrency: 8,
      repeat: 2,
      buildId: 'whole',
      ledger: { store: wholeLedger, settings: SETTINGS },
    });

    const store = new MemoryStore();
    const ledger = new MemoryLedger();
    const shards = await Promise.all([1, 2, 3, 4].map((i) => shardOf(store, 'sharded', i)));
    // Each shard ran its own slice, balanced, and left the ledger alone.
    expect(shards.map((s) => s.summary.runs).reduce((a, b) => a + b)).toBe(scenarios.length * 2);
    for (const s of shards) expect(Math.abs(s.summary.runs - (scenarios.length * 2) / 4)).toBeLessThanOrEqual(1);
    expect(shards.every((s) => s.summary.ledger === null && s.manifest !== null)).toBe(true);
    expect((await ledger.query({})).records).toEqual([]);

    const merged = await mergeBuild({ store, buildId: 'sharded', ledger: { store: ledger, settings: SETTINGS } });
    expect(merged.problems).toEqual([]);
    expect(merged.shards.map((s) => s.shard)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(await outcomes(store, 'sharded')).toEqual(await outcomes(whole, 'whole'));
    const { duration_ms: _a, build_id: _b, ledger: mergedLedger, ...mergedCounts } = merged.summary;
    const { duration_ms: _c, build_id: _d, ledger: wholeLedgerSummary, ...wholeCounts } = single.summary;
    expect(mergedCounts).toEqual(wholeCounts);
    expect({ ...mergedLedger, build_id: 'x' }).toEqual({ ...wholeLedgerSummary, build_id: 'x' });
    // The same failure records, one per fingerprint, with the same occurrence counts.
    const shape = async (l: MemoryLedger) =>
      (await l.query({ limit: 1000 })).records
        .map((r: FailureRecord) =>
          [
            r.lab.fingerprint,
            r.category,
            r.severity,
            r.lab.occurrences.count,
            r.lab.occurrences.scenario_ids.join(','),
          ].join(' '),
        )
        .sort();
    expect(await shape(ledger)).toEqual(await shape(wholeLedger));

    // Merging again records nothing twice.
    const again = await mergeBuild({ store, buildId: 'sharded', ledger: { store: ledger, settings: SETTINGS } });
    expect(again.summary.ledger).toMatchObject({ recorded: 0, already_recorded: mergedLedger!.recorded });
  }, 120_000);

  it('names a shard that did not report, exits 1 and leaves the ledger alone', async () => {
    const store = new MemoryStore();
    const ledger = new MemoryLedger();
    await Promise.all([1, 2, 4].map((i) => shardOf(store, 'b', i)));
    const merged = await mergeBuild({ store, buildId: 'b', ledger: { store: ledger, settings: SETTINGS } });
    expect(merged.problems.map((p) => [p.kind, p.shard])).toEqual([['missing_shard', '3/4']]);
    expect(merged.problems[0]!.message).toContain('capture --shard 3/4 --build-id b');
    expect(merged.summary.exit_code).toBe(1);
    expect(merged.summary.ledger).toBeNull();
    expect(merged.ledger_skipped).toMatch(/not recorded in the ledger/);
    expect((await ledger.query({})).records).toEqual([]);
  }, 60_000);

  it('names a shard that ran twice, and the runs it stored twice', async () => {
    const store = new MemoryStore();
    await Promise.all([1, 2, 2, 3, 4].map((i) => shardOf(store, 'c', i)));
    const merged = await mergeBuild({ store, buildId: 'c' });
    expect(merged.problems.map((p) => [p.kind, p.shard])).toEqual([['duplicate_shard', '2/4']]);
    expect(merged.problems[0]!.message).toMatch(/shard 2\/4 reported 2 times .*new --build-id/);
    expect(merged.summary.exit_code).toBe(1);
  }, 60_000);

  it('names a run missing from a shard that reported, and runs stored twice without a second manifest', async () => {
    const store = new ForgetfulStore();
    await Promise.all([1, 2, 3, 4].map((i) => shardOf(store, 'd', i)));
    const runs = await queryAll<TraceRecord>(store, { build_id: 'd', limit: 1000 });
    // One run lost after its shard read it back; another stored again by some other process.
    const victim = runs[0]!;
    store.forget(victim.failure_id ?? victim.trace_id);
    const copy = runs[1]!;
    await store.put({
      ...copy,
      trace_id: '00000000-0000-4000-8000-000000000001',
      failure_id: null,
      failure: null,
      detected: null,
    });
    const merged = await mergeBuild({ store, buildId: 'd' });
    expect(merged.problems.map((p) => p.kind).sort()).toEqual(['duplicate_run', 'missing_run']);
    expect(merged.problems.find((p) => p.kind === 'missing_run')!.message).toContain(
      `${victim.scenario_id} repeat ${victim.run.repeat_index}`,
    );
    expect(merged.problems.find((p) => p.kind === 'duplicate_run')!.message).toContain(
      `${copy.scenario_id} repeat ${copy.run.repeat_index} (2 runs)`,
    );
    expect(merged.summary.exit_code).toBe(1);
  }, 60_000);

  it('counts the lab errors a shard reported instead of calling their runs missing', async () => {
    const store = new MemoryStore();
    // Shard 2 runs without the subjects of its scenarios: every run of it is a lab error.
    await Promise.all([1, 2, 3, 4].map((i) => shardOf(store, 'e', i, i === 2 ? { subjects: new Map() } : {})));
    const merged = await mergeBuild({ store, buildId: 'e' });
    expect(merged.problems).toEqual([]);
    const shard2 = merged.shards.find((s) => s.shard === '2/4')!;
    expect(merged.summary.lab_errors).toBe(shard2.runs);
    expect(merged.summary.runs).toBe(scenarios.length * 2);
    // An unknown subject is the scenario set's fault: exit 2, as the capture of the whole build would.
    expect(merged.summary.exit_code).toBe(2);
  }, 60_000);

  it('names a shard that ran another plan', async () => {
    const store = new MemoryStore();
    await Promise.all([1, 2, 3, 4].map((i) => shardOf(store, 'f', i, i === 4 ? { repeat: 1 } : {})));
    const merged = await mergeBuild({ store, buildId: 'f' });
    expect(merged.problems.map((p) => [p.kind, p.shard])).toEqual([
      ['missing_shard', '4/4'],
      ['plan_mismatch', '4/4'],
    ]);
    expect(merged.problems.find((p) => p.kind === 'plan_mismatch')!.message).toContain(
      '--repeat 1, the build ran --repeat 2',
    );
  }, 60_000);

  it('refuses a build with no shard in the store', async () => {
    await expect(mergeBuild({ store: new MemoryStore(), buildId: 'nothing' })).rejects.toThrow(
      /no shard of build "nothing" is in the memory store/,
    );
  });
});
