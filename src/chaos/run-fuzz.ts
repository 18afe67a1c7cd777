import fc from 'fast-check';
import pLimit from 'p-limit';
import type { VariantFault } from '../contracts/fault.ts';
import type { FailureKind } from '../contracts/failure-kind.ts';
import type { Scenario } from '../contracts/scenario.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import type { RunRecords } from '../derive/derive-run-records.ts';
import { type DetectionOptions, runWithFailureDetection } from '../detect/run-with-failure-detection.ts';
import { UsageError } from '../errors/usage-error.ts';
import { fingerprint } from '../ledger/fingerprint.ts';
import { runSignals } from '../ledger/failure-signals.ts';
import type { Subject } from '../subject/subject.ts';
import { canonicalFaults, faultLabel, faultSetArbitrary, type FuzzSpace, fuzzSpace } from './fuzz-space.ts';
import { faultedScenario } from './place-faults.ts';

/** What one trial (a run with a set of faults) came to. */
export interface TrialOutcome {
  kind: FailureKind | null;
  fingerprint: string | null;
  message: string | null;
}

/** A fault set that made the baseline fail, shrunk to the faults it needs; one per fingerprint. */
export interface Finding {
  fingerprint: string;
  kind: FailureKind;
  /** The minimal fault set, in canonical order. */
  faults: VariantFault[];
  /** How many trials (sampled and single-fault) failed with this fingerprint. */
  trials: number;
  /** The failure's message, for people. */
  message: string;
  /** Runs the shrinking made (cached trials not counted). */
  shrink_runs: number;
  /** Fault sets the shrinking tried (cached ones counted). */
  shrink_trials: number;
  /** Faults in the trial the finding was first seen in, before shrinking. */
  found_with: number;
}

/** One cell of the resilience table: one fault kind alone at one call. */
export interface ResilienceCell {
  site: string;
  kind: string;
  fault: VariantFault;
  outcome: FailureKind | null;
  /** The finding with this cell's fingerprint (its index in findings), or null when the call survived. */
  finding: number | null;
}

/** Everything `lab fuzz` found. */
export interface FuzzResult {
  scenario_id: string;
  subject_id: string;
  seed: number;
  runs: number;
  max_faults: number;
  findings: Finding[];
  table: ResilienceCell[];
  /** Runs actually made: the baseline, every distinct trial and every shrinking step not seen before. */
  executed: number;
  space: FuzzSpace;
}

/** How to fuzz one scenario. */
export interface FuzzOptions {
  subject: Subject<any, any>;
  baseline: Scenario;
  detection: DetectionOptions;
  runs: number;
  seed: number;
  maxFaults: number;
  concurrency: number;
  /** Called as trials finish (done of total), for progress on stderr. */
  progress?: (phase: 'trials' | 'shrinking', done: number, total: number) => void;
}

/**
 * A seeded search of the fault space around a passing baseline (docs/chaos.md, "lab fuzz"). The
 * baseline runs first and must pass; its calls make the space. Every fault kind runs alone at
 * every call (the resilience table), then `runs` fault sets sampled by fast-check from the seed.
 * Every trial that does not pass is a finding; findings are grouped by fingerprint, and the first
 * trial of each group is shrunk by fast-check to a minimal set that still fails with that
 * fingerprint. Trials run `concurrency` at once and are cached by fault set, so a set tried twice
 * runs once.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const { subject, baseline, detection, runs, seed, maxFaults } = options;
  let executed = 0;
  const base = await runWithFailureDetection(subject, baseline, detection);
  executed++;
  if (base.trace.detected !== null)
    throw new UsageError({
      message: `lab fuzz searches around a passing baseline, and ${baseline.id} does not pass (detected ${base.trace.detected}: ${base.event?.message ?? ''}): fuzz a control scenario, or fix this one first`,
    });
  const space = fuzzSpace(baseline, base.trace);
  if (space.sites.length === 0)
    throw new UsageError({
      message: `${baseline.id}: its baseline run made no model or tool call the fuzz block admits, so there is nothing to put a fault on: widen the scenario's fuzz block`,
    });

  const cache = new Map<string, Promise<TrialOutcome>>();
  const trial = (faults: readonly VariantFault[]): Promise<TrialOutcome> => {
    const set = canonicalFaults(faults);
    const key = JSON.stringify(set);
    let outcome = cache.get(key);
    if (!outcome) {
      executed++;
      const scenario = faultedScenario(baseline, set, 'fuzz', {
        id: `${baseline.id}/fuzz`,
        description: `lab fuzz trial: ${set.map(faultLabel).join('; ')}`,
        expected: null,
      });
      outcome = runWithFailureDetection(subject, scenario, detection).then(({ trace, related }) => ({
        kind: trace.detected,
        fingerprint: fuzzFingerprint(trace, related),
        message: trace.failure?.message ?? null,
      }));
      cache.set(key, outcome);
    }
    return outcome;
  };

  const singles = space.sites.flatMap((s) =>
    s.kinds.map((k) => ({ site: s.label, kind: k.kind, fault: k.values.at(-1)! })),
  );
  const arbitrary = faultSetArbitrary(baseline, space, maxFaults);
  const sampled = fc.sample(arbitrary, { seed, numRuns: runs });
  const all: VariantFault[][] = [...singles.map((s) => [s.fault]), ...sampled];
  const limit = pLimit(options.concurrency);
  let done = 0;
  const outcomes = await Promise.all(
    all.map((faults) =>
      limit(async () => {
        const outcome = await trial(faults);
        options.progress?.('trials', ++done, all.length);
        return outcome;
      }),
    ),
  );

  // One finding per fingerprint, from its first trial (singles first, then samples in seed order).
  const groups = new Map<string, { first: number; trials: number; kind: FailureKind; message: string }>();
  outcomes.forEach((o, i) => {
    if (o.kind === null || o.fingerprint === null) return;
    const group = groups.get(o.fingerprint);
    if (group) group.trials++;
    else groups.set(o.fingerprint, { first: i, trials: 1, kind: o.kind, message: o.message ?? '' });
  });
  let shrunk = 0;
  const findings = await Promise.all(
    [...groups.entries()].map(([print, group]) =>
      limit(async (): Promise<Finding> => {
        const before = executed;
        const { faults, tried } = await shrink(arbitrary, all[group.first]!, print, trial, seed);
        options.progress?.('shrinking', ++shrunk, groups.size);
        return {
          fingerprint: print,
          kind: group.kind,
          faults: canonicalFaults(faults),
          trials: group.trials,
          message: group.message,
          shrink_runs: executed - before,
          shrink_trials: tried,
          found_with: all[group.first]!.length,
        };
      }),
    ),
  );
  findings.sort(
    (a, b) =>
      a.faults.length - b.faults.length ||
      compare(JSON.stringify(a.faults), JSON.stringify(b.faults)) ||
      compare(a.fingerprint, b.fingerprint),
  );
  const byPrint = new Map(findings.map((f, i) => [f.fingerprint, i]));
  const table = singles.map((s, i): ResilienceCell => {
    const o = outcomes[i]!;
    return {
      site: s.site,
      kind: s.kind,
      fault: s.fault,
      outcome: o.kind,
      finding: o.fingerprint === null ? null : (byPrint.get(o.fingerprint) ?? null),
    };
  });
  return {
    scenario_id: baseline.id,
    subject_id: subject.id,
    seed,
    runs,
    max_faults: maxFaults,
    findings,
    table,
    executed,
    space,
  };
}

/**
 * The fingerprint a finding is grouped by: the ledger's (README, "Fingerprints") of the failure
 * itself, without the two parts an earlier fault the run survived changes: the component where
 * the cascade began, and the HTTP status of an earlier failed call (the failure's own error status
 * stays). So "a malformed reply" and "a 429 retried, then a malformed reply" are one finding, and
 * shrinking drops the 429.
 */
export function fuzzFingerprint(trace: TraceRecord, related: RunRecords): string | null {
  const signals = runSignals(trace, related);
  if (!signals || !trace.failure) return null;
  const error = 'error' in trace.failure ? trace.failure.error : null;
  return fingerprint({ ...signals, component: `agent:${trace.subject_id}`, http_status: error?.status ?? null });
}

/**
 * Shrinks a failing fault set with fast-check: the property "this set does not fail with this
 * fingerprint" is checked from the set itself (an example), and fast-check's shrinker walks to a
 * set where removing any fault, or moving any delay down its ladder, no longer fails that way.
 */
async function shrink(
  arbitrary: fc.Arbitrary<VariantFault[]>,
  faults: VariantFault[],
  print: string,
  trial: (faults: readonly VariantFault[]) => Promise<TrialOutcome>,
  seed: number,
): Promise<{ faults: VariantFault[]; tried: number }> {
  let tried = -1; // The first call is the finding itself, not a shrink.
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async (set) => {
      tried++;
      return (await trial(set)).fingerprint !== print;
    }),
    { examples: [[faults]], numRuns: 1, seed, endOnFailure: false },
  );
  return { faults: result.failed && result.counterexample ? (result.counterexample[0] ?? faults) : faults, tried };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
