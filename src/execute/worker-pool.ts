import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { markWorkerPoolsLoaded } from './pool-state.ts';

markWorkerPoolsLoaded();

// Built as .js for the package, run as .ts in this repository (see docs/package.md).
const TASK_FILE = new URL(`./pool-bootstrap.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** The default heap limit of a worker run; a scenario may set its own (memory_limit_mb). */
export const DEFAULT_WORKER_HEAP_MB = 128;

/**
 * The heap a pooled thread needs for the lab's own machinery (the run's recorder, openai, zod:
 * about 25 MB once loaded), given on top of a scenario's memory_limit_mb, which is the subject's.
 * A thread whose limit the machinery alone reaches dies while it starts, and piscina then stops
 * replacing the pool's threads.
 */
export const MACHINERY_HEAP_MB = 32;

/**
 * Warm worker threads for worker isolation, kept by piscina: a thread keeps the lab's machinery,
 * openai and zod loaded between runs, so a worker run costs milliseconds instead of a thread
 * start. One pool per heap limit (resource limits are a thread's). A thread that a run ended
 * (cut off at the deadline, out of memory, process.exit) or left unclean (see pool-task.ts) is
 * gone and replaced, never reused.
 */
export class WorkerPools {
  readonly #pools = new Map<number, Piscina>();
  #threads: number;

  constructor(threads = defaultThreads()) {
    this.#threads = threads;
  }

  /** How many threads each pool keeps (and so how many worker runs go on at once). */
  get threads(): number {
    return this.#threads;
  }

  /** Changes the pool size for pools made from now on (capture --workers). */
  resize(threads: number): void {
    this.#threads = threads;
  }

  /** The pool for a heap limit, made on first use, its threads started at once. */
  pool(heapMb: number): Piscina {
    let pool = this.#pools.get(heapMb);
    if (!pool) {
      pool = new Piscina({
        filename: TASK_FILE.href,
        minThreads: this.#threads,
        maxThreads: this.#threads,
        idleTimeout: Number.POSITIVE_INFINITY,
        concurrentTasksPerWorker: 1,
        resourceLimits: {
          maxOldGenerationSizeMb: heapMb + MACHINERY_HEAP_MB,
          maxYoungGenerationSizeMb: Math.min(32, Math.max(4, heapMb / 4)),
        },
        closeTimeout: 1_000,
      });
      // A thread that ends itself (a retired one) or dies is replaced by piscina; errors of a task reach its caller.
      pool.on('error', () => {});
      this.#pools.set(heapMb, pool);
    }
    return pool;
  }

  /** Ends a pool that stopped serving (its threads could not start), so the next run gets a new one. */
  discard(heapMb: number): void {
    const pool = this.#pools.get(heapMb);
    this.#pools.delete(heapMb);
    void pool?.destroy().catch(() => {});
  }

  /** Ends every thread; the pools can be made again afterwards. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

/** One fewer than the cores, at least one: the main thread keeps every deadline (and the scripted model server has a thread of its own). */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The pools this process's worker runs use. */
export const workerPools = new WorkerPools();
