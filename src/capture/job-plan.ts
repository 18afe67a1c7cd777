import { createHash } from 'node:crypto';
import type { Scenario } from '../contracts/scenario.ts';
import { effectiveIsolation, type Isolation } from '../detect/run-with-failure-detection.ts';
import type { LoadedScenario } from '../scenario/load-scenarios.ts';
import { type Shard, ShardSlices } from '../shard/shard-slice.ts';

/** One run of a capture: a scenario and which repeat of it. */
export interface Job {
  loaded: LoadedScenario;
  repeat: number;
}

/**
 * The runs of a capture, in the order they start: round by round, every scenario once per round
 * (repeats of one slow scenario do not queue up together); scenarios that hold the thread inline
 * go last, one at a time (see blocksThread). With a shard, only its slice. The runs are
 * generated as they are taken, never listed, so a capture of a million runs holds none of them.
 */
export class JobPlan {
  readonly #shared: LoadedScenario[];
  readonly #holding: LoadedScenario[];
  readonly repeat: number;
  readonly shard: Shard | null;
  readonly #slices: ShardSlices | null;
  /** Runs of this capture (this shard's, with a shard). */
  readonly total: number;
  /** Of which run beside each other (the rest run alone, at the end). */
  readonly sharedTotal: number;
  /** Runs of the whole plan, every shard's. */
  readonly planTotal: number;

  constructor(
    scenarios: readonly LoadedScenario[],
    { repeat = 1, isolation, shard = null }: { repeat?: number; isolation?: Isolation; shard?: Shard | null } = {},
  ) {
    this.repeat = repeat;
    this.shard = shard;
    this.#shared = scenarios.filter((l) => !blocksThread(l.scenario, isolation));
    this.#holding = scenarios.filter((l) => blocksThread(l.scenario, isolation));
    this.#slices = shard
      ? new ShardSlices(
          scenarios.map((l) => l.scenario.id),
          shard.count,
        )
      : null;
    this.planTotal = scenarios.length * repeat;
    this.sharedTotal = count(this.#walk(this.#shared));
    this.total = this.sharedTotal + count(this.#walk(this.#holding));
  }

  /** The runs that may run beside each other, in order. */
  shared(): Generator<Job> {
    return this.#walk(this.#shared);
  }

  /** The runs that hold the thread, in order: each runs alone. */
  holding(): Generator<Job> {
    return this.#walk(this.#holding);
  }

  *#walk(scenarios: readonly LoadedScenario[]): Generator<Job> {
    for (let repeat = 0; repeat < this.repeat; repeat++) {
      for (const loaded of scenarios) {
        if (!this.#slices || this.#slices.shardOf(loaded.scenario.id, repeat) === this.shard!.index)
          yield { loaded, repeat };
      }
    }
  }
}

/**
 * True for a scenario that holds the lab's thread on purpose while it runs inline (a tool fixture
 * with busy_ms): it would delay every deadline of the runs beside it, so capture runs it alone,
 * after the others.
 */
export function blocksThread(scenario: Scenario, isolation: Isolation | undefined): boolean {
  return (
    effectiveIsolation(scenario, isolation) === 'inline' &&
    Object.values(scenario.tools).some((fixtures) => fixtures.some((f) => (f?.busy_ms ?? 0) > 0))
  );
}

function count(jobs: Iterable<unknown>): number {
  let n = 0;
  for (const _ of jobs) n++;
  return n;
}

/**
 * SHA-256 over the scenarios as loaded (ids sorted): two shards agree on it only if they ran the
 * same scenario files, whatever their order on disk or their format (JSON or YAML).
 */
export function scenarioDigest(scenarios: readonly LoadedScenario[]): string {
  const hash = createHash('sha256');
  for (const { scenario } of [...scenarios].sort((a, b) => (a.scenario.id < b.scenario.id ? -1 : 1)))
    hash.update(JSON.stringify(scenario)).update('\u0000');
  return hash.digest('hex');
}
