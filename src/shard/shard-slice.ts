import { createHash } from 'node:crypto';
import { UsageError } from '../errors/usage-error.ts';

/** One shard of a capture: the index-th of count (1-based, as vitest, Playwright and Jest count). */
export interface Shard {
  index: number;
  count: number;
}

/** Reads `--shard i/n`. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count || count > 10_000) {
    throw new UsageError({
      message: `--shard must be i/n with 1 <= i <= n <= 10000 (the i-th of n shards, 1-based), got "${text}"`,
    });
  }
  return { index, count };
}

/** "2/4" */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * Which shard runs each (scenario, repeat) of a capture, decided by a hash so that every shard
 * agrees without talking to the others. The scenarios are put in the order of the SHA-256 of
 * their ids (a stable order that mixes slow and fast scenarios), and the runs of that order,
 * round after round, are dealt to the shards in turn: every shard gets the same number of runs,
 * give or take one, and the repeats of one scenario go to different shards. The slice depends
 * only on the scenario ids and the shard count, never on the machine, the file order or the
 * time; shards of one build must therefore run the same scenarios (merge checks that they did).
 */
export class ShardSlices {
  readonly #rank: Map<string, number>;
  readonly #ids: string[];
  readonly count: number;

  constructor(scenarioIds: readonly string[], count: number) {
    const hashed = scenarioIds.map((id) => ({ id, hash: createHash('sha256').update(id).digest('hex') }));
    hashed.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.id < b.id ? -1 : 1));
    this.#rank = new Map(hashed.map((h, i) => [h.id, i]));
    this.#ids = hashed.map((h) => h.id);
    this.count = count;
  }

  /** The shard (1-based) that runs this scenario's repeat. */
  shardOf(scenarioId: string, repeat: number): number {
    const rank = this.#rank.get(scenarioId);
    if (rank === undefined) throw new RangeError(`scenario ${scenarioId} is not in this capture's plan`);
    return ((repeat * this.#rank.size + rank) % this.count) + 1;
  }

  /** The position of a run in the whole plan, for bookkeeping by index: repeat-major, hash order within. */
  positionOf(scenarioId: string, repeat: number): number | undefined {
    const rank = this.#rank.get(scenarioId);
    return rank === undefined ? undefined : repeat * this.#rank.size + rank;
  }

  /** The run at a position of the plan (the inverse of positionOf). */
  runAt(position: number): { scenarioId: string; repeat: number } {
    return { scenarioId: this.#ids[position % this.#ids.length]!, repeat: Math.floor(position / this.#ids.length) };
  }
}
