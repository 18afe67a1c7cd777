import type { TraceRecord } from '../contracts/trace-record.ts';

/** What choosing one attempt per build set aside, for a note on stderr. */
export interface AttemptChoice {
  build_id: string;
  /** The attempt whose runs stand for the build. */
  attempt_id: string | null;
  /** Attempts of the build in the store, the chosen one included. */
  attempts: number;
  /** Runs of the other attempts, left out (report --all-attempts shows them). */
  set_aside: number;
}

/** A run's place in its build's plan: the scenario and the repeat. */
const slotOf = (run: TraceRecord) => `${run.scenario_id}\u0000${run.run.repeat_index}`;

/**
 * The runs that stand for each build: those of its **last complete attempt** (docs/ledger-builds.md).
 * A capture is one attempt (TraceRecord.attempt_id); a build captured again (a rerun, two at once,
 * a rerun after a crash) has several. An attempt is complete when it holds a run for every
 * scenario and repeat that any attempt of the build holds; of those, the one whose first run
 * started last is chosen. When none is complete (every attempt was cut short), the one with the
 * most runs, then the latest, is. Runs of version 2 (attempt_id null) count as one attempt, and runs
 * outside any build are kept as they are. The order of the runs is kept.
 */
export function lastCompleteAttempts(runs: readonly TraceRecord[]): { runs: TraceRecord[]; choices: AttemptChoice[] } {
  const builds = new Map<string, Map<string | null, { slots: Set<string>; first: string; runs: number }>>();
  for (const run of runs) {
    if (run.build_id === null) continue;
    let attempts = builds.get(run.build_id);
    if (!attempts) builds.set(run.build_id, (attempts = new Map()));
    let attempt = attempts.get(run.attempt_id);
    if (!attempt) attempts.set(run.attempt_id, (attempt = { slots: new Set(), first: run.started_at, runs: 0 }));
    attempt.slots.add(slotOf(run));
    attempt.runs++;
    if (run.started_at < attempt.first) attempt.first = run.started_at;
  }
  const chosen = new Map<string, string | null>();
  const choices: AttemptChoice[] = [];
  for (const [buildId, attempts] of builds) {
    const plan = new Set<string>();
    for (const a of attempts.values()) for (const slot of a.slots) plan.add(slot);
    const ranked = [...attempts.entries()].sort(
      ([idA, a], [idB, b]) =>
        Number(b.slots.size === plan.size) - Number(a.slots.size === plan.size) ||
        (a.slots.size === plan.size ? 0 : b.slots.size - a.slots.size) ||
        (a.first < b.first ? 1 : a.first > b.first ? -1 : 0) ||
        ((idA ?? '') < (idB ?? '') ? 1 : -1),
    );
    const [id] = ranked[0]!;
    chosen.set(buildId, id);
    if (attempts.size > 1)
      choices.push({
        build_id: buildId,
        attempt_id: id,
        attempts: attempts.size,
        set_aside: ranked.slice(1).reduce((n, [, a]) => n + a.runs, 0),
      });
  }
  return {
    runs: runs.filter((run) => run.build_id === null || chosen.get(run.build_id) === run.attempt_id),
    choices,
  };
}
