import type { CaptureSummary } from '../capture/capture-summary.ts';
import { SummaryCounter } from '../capture/capture-summary.ts';
import type { ShardManifest } from '../contracts/shard-manifest.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { UsageError } from '../errors/usage-error.ts';
import { errorText } from '../internal/to-error.ts';
import type { FailureLedger } from '../ledger-store/failure-ledger.ts';
import { BuildRecorder, type LedgerSettings } from '../ledger/record-build.ts';
import { ShardSlices } from '../shard/shard-slice.ts';
import type { TracePage, TraceStore } from '../store/trace-store.ts';

/** Something about a sharded build that keeps merge from vouching for it (exit 1). */
export interface MergeProblem {
  kind: 'missing_shard' | 'duplicate_shard' | 'plan_mismatch' | 'missing_run' | 'duplicate_run' | 'unplanned_run';
  /** The shard it concerns, "2/4", or null. */
  shard: string | null;
  message: string;
}

/** One manifest, as merge prints it. */
export interface MergedShard {
  shard: string;
  manifest_id: string;
  runs: number;
  exit_code: number;
  started_at: string;
  ended_at: string;
}

export interface MergeResult {
  /** The build's combined summary; exit_code is 1 when there is any problem, and the ledger null when it was not fed. */
  summary: CaptureSummary;
  shards: MergedShard[];
  problems: MergeProblem[];
  /** Why the ledger was not fed, or null. */
  ledger_skipped: string | null;
}

export interface MergeOptions {
  store: TraceStore;
  buildId: string;
  /** Where the build's failures are recorded: once, here, for every shard. */
  ledger?: { store: FailureLedger; settings: Omit<LedgerSettings, 'buildId'> } | null;
}

/** Missing runs named one by one per shard; the rest are counted. */
const NAMED_RUNS = 20;

/**
 * Checks a sharded build (`capture --shard i/n`, one --build-id) from what its shards stored:
 * every shard reported its manifest exactly once, all of them ran one plan (the same scenarios
 * and repeats), and every run of the plan is stored exactly once or was a lab error its shard
 * reported. Then it counts the build as one capture and records its failures in the ledger from
 * the shards' occurrence groups: repeats and escalations are decided once, here. A build with
 * any problem is not recorded in the ledger, since its occurrences are incomplete or doubled.
 * Memory holds one byte per planned run, never the runs themselves.
 */
export async function mergeBuild({ store, buildId, ledger }: MergeOptions): Promise<MergeResult> {
  const manifests = await allManifests(store, buildId);
  if (manifests.length === 0) {
    throw new UsageError({
      message: `no shard of build "${buildId}" is in the ${store.name} store: shards store a manifest when they finish. Check --build-id, --store and --dir (or COSMOS_* settings)`,
    });
  }
  const problems: MergeProblem[] = [];
  const plan = referencePlan(manifests);
  const count = plan.shard.count;
  const label = (index: number) => `${index}/${count}`;
  // One plan: the same shard count, scenarios and repeats everywhere.
  const agreeing = manifests.filter((m) => {
    const differs = planDifference(m, plan);
    if (differs)
      problems.push({
        kind: 'plan_mismatch',
        shard: `${m.shard.index}/${m.shard.count}`,
        message: `shard ${m.shard.index}/${m.shard.count} (manifest ${m.manifest_id}) ran another plan than the rest of the build: ${differs}. Run every shard from one checkout with the same --scenarios, --filter, --repeat and shard count`,
      });
    return !differs;
  });
  // Every shard once.
  const byIndex = new Map<number, ShardManifest[]>();
  for (const m of agreeing) byIndex.set(m.shard.index, [...(byIndex.get(m.shard.index) ?? []), m]);
  for (let index = 1; index <= count; index++) {
    const reports = byIndex.get(index) ?? [];
    if (reports.length === 0)
      problems.push({
        kind: 'missing_shard',
        shard: label(index),
        message: `shard ${label(index)} did not report: no manifest of it is stored (it did not finish, or could not store its manifest). Run it: capture --shard ${label(index)} --build-id ${buildId}`,
      });
    if (reports.length > 1) {
      problems.push({
        kind: 'duplicate_shard',
        shard: label(index),
        message: `shard ${label(index)} reported ${reports.length} times (manifests ${reports.map((r) => `${r.manifest_id} started ${r.started_at}`).join(', ')}), so its runs are stored more than once. Run every shard again under a new --build-id`,
      });
    }
  }

  // Every run once: one byte per planned run (saturating).
  const slices = new ShardSlices(
    plan.plan.scenarios.map((s) => s.id),
    count,
  );
  const seen = new Uint8Array(plan.plan.total_runs);
  const counter = new SummaryCounter();
  const unplanned: string[] = [];
  for await (const run of allRuns(store, buildId)) {
    const position =
      run.run.repeat_index < plan.plan.repeat ? slices.positionOf(run.scenario_id, run.run.repeat_index) : undefined;
    if (position === undefined) {
      unplanned.push(`${run.scenario_id} repeat ${run.run.repeat_index} (trace ${run.trace_id})`);
      continue;
    }
    if (seen[position]! < 255) seen[position]!++;
    counter.add({
      expected: run.expected,
      detected: run.detected,
      matched: run.detected === run.expected,
      trace_id: run.trace_id,
      stored: true,
      retrieved: true,
      lab_error: null,
    });
  }
  if (unplanned.length > 0)
    problems.push({
      kind: 'unplanned_run',
      shard: null,
      message: `${unplanned.length} run${unplanned.length === 1 ? ' is' : 's are'} stored under build ${buildId} but not in its plan: ${named(unplanned)}. Another capture used this build id; run the shards again under a new --build-id`,
    });

  const expectedOf = new Map(plan.plan.scenarios.map((s) => [s.id, s.expected]));
  const missing = new Map<number, string[]>();
  const duplicated = new Map<number, string[]>();
  const labErrors = new Map(
    agreeing.map((m) => [
      m.shard.index,
      {
        listed: new Map(m.lab_errors.map((e) => [`${e.scenario_id}#${e.repeat_index}`, e])),
        omitted: m.lab_errors_omitted,
      },
    ]),
  );
  for (let position = 0; position < seen.length; position++) {
    const { scenarioId, repeat } = slices.runAt(position);
    const shard = slices.shardOf(scenarioId, repeat);
    if ((byIndex.get(shard)?.length ?? 0) === 0) continue; // reported as a missing shard
    const name = `${scenarioId} repeat ${repeat}`;
    if (seen[position]! > 1)
      duplicated.set(shard, [...(duplicated.get(shard) ?? []), `${name} (${seen[position]} runs)`]);
    if (seen[position] !== 0) continue;
    // A run with no record is a lab error its shard reported, or missing.
    const errors = labErrors.get(shard)!;
    const listed = errors.listed.get(`${scenarioId}#${repeat}`);
    if (listed || errors.omitted > 0) {
      if (!listed) errors.omitted--;
      const lab_error = listed
        ? { name: listed.name, message: listed.message, exit_code: listed.exit_code }
        : { name: 'LabError', message: 'one of the lab errors its shard counted', exit_code: 1 };
      counter.add({
        expected: expectedOf.get(scenarioId) ?? null,
        detected: null,
        matched: false,
        trace_id: null,
        stored: false,
        retrieved: false,
        lab_error,
      });
      continue;
    }
    missing.set(shard, [...(missing.get(shard) ?? []), name]);
  }
  for (const [shard, runs] of [...missing].sort((a, b) => a[0] - b[0])) {
    problems.push({
      kind: 'missing_run',
      shard: label(shard),
      message: `shard ${label(shard)} reported, but ${runs.length} of its runs ${runs.length === 1 ? 'is' : 'are'} not stored: ${named(runs)}`,
    });
  }
  for (const [shard, runs] of [...duplicated].sort((a, b) => a[0] - b[0])) {
    if ((byIndex.get(shard)?.length ?? 0) > 1) continue; // the duplicate shard says it
    problems.push({
      kind: 'duplicate_run',
      shard: label(shard),
      message: `shard ${label(shard)} has ${runs.length} run${runs.length === 1 ? '' : 's'} stored more than once: ${named(runs)}. Run every shard again under a new --build-id`,
    });
  }

  // The ledger, once, from the shards' occurrence groups, unless the build is incomplete or doubled.
  const blocking = problems.filter((p) => p.kind !== 'missing_run');
  let ledger_skipped: string | null = null;
  let ledgerSummary = null;
  let ledgerError = null;
  if (ledger && blocking.length === 0) {
    const failures = new BuildRecorder();
    for (const m of agreeing) for (const group of m.failures) failures.absorb(group);
    try {
      ledgerSummary = await failures.commit(ledger.store, { ...ledger.settings, buildId });
    } catch (error) {
      ledgerError = errorText(error);
    }
  } else if (ledger)
    ledger_skipped = `the build's failures were not recorded in the ledger: ${blocking.length} problem${blocking.length === 1 ? '' : 's'} above (merge again once they are fixed)`;

  const started = Math.min(...manifests.map((m) => Date.parse(m.started_at)));
  const ended = Math.max(...manifests.map((m) => Date.parse(m.ended_at)));
  const summary = counter.summary(
    agreeing.some((m) => m.live),
    ended - started,
    { buildId, ledger: ledgerSummary, ledgerError },
  );
  if (problems.length > 0 && summary.exit_code === 0) summary.exit_code = 1;
  const shards = [...manifests]
    .sort((a, b) => a.shard.index - b.shard.index || (a.started_at < b.started_at ? -1 : 1))
    .map((m) => ({
      shard: `${m.shard.index}/${m.shard.count}`,
      manifest_id: m.manifest_id,
      runs: m.counts.runs,
      exit_code: m.exit_code,
      started_at: m.started_at,
      ended_at: m.ended_at,
    }));
  return { summary, shards, problems: sortProblems(problems), ledger_skipped };
}

function named(items: readonly string[]): string {
  return items.length <= NAMED_RUNS
    ? items.join(', ')
    : `${items.slice(0, NAMED_RUNS).join(', ')} and ${items.length - NAMED_RUNS} more`;
}

/** Problems in a stable order: by shard, then kind, then message. */
function sortProblems(problems: MergeProblem[]): MergeProblem[] {
  const index = (p: MergeProblem) => (p.shard ? Number(p.shard.split('/')[0]) : 0);
  return problems.sort(
    (a, b) =>
      index(a) - index(b) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.message < b.message ? -1 : 1),
  );
}

/** The plan most manifests agree on (ties: the lowest shard's), which the others are checked against. */
function referencePlan(manifests: readonly ShardManifest[]): ShardManifest {
  const votes = new Map<string, { n: number; first: ShardManifest }>();
  for (const m of [...manifests].sort(
    (a, b) => a.shard.index - b.shard.index || (a.started_at < b.started_at ? -1 : 1),
  )) {
    const key = `${m.shard.count}|${m.plan.scenario_digest}|${m.plan.repeat}`;
    const vote = votes.get(key);
    if (vote) vote.n++;
    else votes.set(key, { n: 1, first: m });
  }
  let best: { n: number; first: ShardManifest } | undefined;
  for (const vote of votes.values()) if (!best || vote.n > best.n) best = vote;
  return best!.first;
}

/** What differs between a manifest's plan and the build's, or null. */
function planDifference(m: ShardManifest, reference: ShardManifest): string | null {
  if (m.shard.count !== reference.shard.count)
    return `it is one of ${m.shard.count} shards, the build has ${reference.shard.count}`;
  if (m.plan.repeat !== reference.plan.repeat)
    return `--repeat ${m.plan.repeat}, the build ran --repeat ${reference.plan.repeat}`;
  if (m.plan.scenario_digest !== reference.plan.scenario_digest) {
    const ids = new Set(m.plan.scenarios.map((s) => s.id));
    const others = new Set(reference.plan.scenarios.map((s) => s.id));
    const extra = [...ids].filter((id) => !others.has(id));
    const lacking = [...others].filter((id) => !ids.has(id));
    if (extra.length === 0 && lacking.length === 0)
      return 'the same scenario ids, but different scenario files (edited between shards)';
    return [
      extra.length ? `scenarios the build lacks: ${named(extra)}` : null,
      lacking.length ? `lacking scenarios: ${named(lacking)}` : null,
    ]
      .filter(Boolean)
      .join('; ');
  }
  return null;
}

async function allManifests(store: TraceStore, buildId: string): Promise<ShardManifest[]> {
  const out: ShardManifest[] = [];
  let cursor: string | null = null;
  do {
    const page: TracePage<ShardManifest> = await store.query({
      record_type: 'shard_manifest',
      build_id: buildId,
      limit: 100,
      cursor,
    });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The build's runs, page by page. */
async function* allRuns(store: TraceStore, buildId: string): AsyncGenerator<TraceRecord> {
  let cursor: string | null = null;
  do {
    const page: TracePage<TraceRecord> = await store.query({ build_id: buildId, limit: 500, cursor });
    yield* page.records;
    cursor = page.cursor;
  } while (cursor);
}
