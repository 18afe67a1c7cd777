import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import type { HeldAtDeadline } from '../classify/run-end.ts';

/** The inline run whose code the thread is running (the async context its callbacks were created in). */
const current = new AsyncLocalStorage<OwnWork>();

/** Thread CPU time in ms: it stands still while the process is paused or not scheduled, unlike the wall clock. */
const threadCpuMs: () => number =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const { user, system } = process.threadCpuUsage();
        return (user + system) / 1000;
      }
    : // Before Node 22.19/23.9: the process's CPU time, which also counts other threads'.
      () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      };

/**
 * A reading of the CPU clock costs about as much as a whole slice of a run, so slices share the
 * last reading when it is this recent: a slice's CPU time is then over-counted by less than this.
 */
const CPU_READING_MS = 1;
let lastCpuAt = Number.NEGATIVE_INFINITY;
let lastCpuMs = 0;

let tracked = 0;
// Every callback the thread runs passes here while an inline run is going; only a run's own are timed.
const hook = createHook({
  before() {
    current.getStore()?.enter();
  },
  after() {
    current.getStore()?.exit();
  },
});

/**
 * Measures whether an inline run's own synchronous work held the thread at its deadline: each
 * synchronous slice of the run (its `run` between awaits, the tool calls it makes, any callback
 * created in its async context) is timed by wall clock, and the one running at the deadline by
 * the thread's CPU time too. A slice only stretched by a paused or unscheduled process, or by a
 * collection, takes almost no CPU time; a run that never blocked has no slice at its deadline at
 * all. classifyRun decides from `held` (see "Timeouts" in docs/timeouts.md).
 */
export class OwnWork {
  /** The run's deadline on performance.now()'s clock. */
  readonly #deadlineAt: number;
  #depth = 0;
  #startAt = 0;
  #startCpuMs = 0;
  #stopped = false;
  /** Set once a slice of the run that began before the deadline ended after it (the longest in CPU time). */
  held: HeldAtDeadline | null = null;

  constructor(deadlineMs: number) {
    this.#deadlineAt = performance.now() + deadlineMs;
    if (tracked++ === 0) hook.enable();
  }

  /** Runs fn as the run's first slice, in the run's async context, so everything it starts is the run's too. */
  run<T>(fn: () => T): T {
    return current.run(this, () => {
      this.enter();
      try {
        return fn();
      } finally {
        this.exit();
      }
    });
  }

  /** The run is over: its slices are no longer timed (the hook goes off when no inline run is left). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (--tracked === 0) hook.disable();
  }

  enter(): void {
    if (this.#stopped || this.#depth++ > 0) return;
    const now = performance.now();
    if (now - lastCpuAt >= CPU_READING_MS) {
      lastCpuMs = threadCpuMs();
      lastCpuAt = now;
    }
    this.#startAt = now;
    this.#startCpuMs = lastCpuMs;
  }

  exit(): void {
    if (this.#stopped || this.#depth === 0 || --this.#depth > 0) return;
    const now = performance.now();
    if (this.#startAt < this.#deadlineAt && now > this.#deadlineAt) {
      lastCpuMs = threadCpuMs();
      lastCpuAt = now;
      const cpuMs = lastCpuMs - this.#startCpuMs;
      if (!this.held || cpuMs > this.held.cpuMs) this.held = { cpuMs };
    }
  }
}
