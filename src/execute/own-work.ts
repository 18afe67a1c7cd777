import { AsyncLocalStorage, createHook, executionAsyncResource } from 'node:async_hooks';
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
/** The inline runs whose deadline has not come yet, and the earliest of their deadlines. */
const waiting = new Set<OwnWork>();
let nextDeadlineAt = Number.POSITIVE_INFINITY;

// Every callback the thread runs passes here while an inline run is going: a run's own are timed,
// and before any callback runs, the runs whose deadline has passed are told (OwnWork.cutDue).
const hook = createHook({
  before() {
    // A promise job is about to run: the one before it has ended, as a plain JS function call would.
    // Any other callback is one Node calls from native code, with state it set up for that call.
    if (performance.now() >= nextDeadlineAt) OwnWork.cutDue(executionAsyncResource() instanceof Promise);
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
 *
 * It also says when the deadline has come (`onDeadline`): at the first callback the thread starts
 * after it, whoever's callback that is, or by a timer when the thread has nothing else to run. A
 * timer alone fires only when the event loop comes round to its timers, once a turn, and with many
 * runs in flight a turn first runs every callback of theirs that is ready (docs/timeouts.md, "How
 * late a cut comes").
 */
export class OwnWork {
  /** The run's deadline on performance.now()'s clock. */
  readonly #deadlineAt: number;
  readonly #onDeadline: (betweenJobs: boolean) => void;
  #timer: NodeJS.Timeout | undefined;
  #depth = 0;
  #startAt = 0;
  #startCpuMs = 0;
  #stopped = false;
  /** Set once a slice of the run that began before the deadline ended after it (the longest in CPU time). */
  held: HeldAtDeadline | null = null;

  /**
   * onDeadline is called once the deadline has passed, inside the hook, before the callback about
   * to run, and in its async context, not the run's; what it does must not throw. `betweenJobs`
   * says the callback is a promise job (or the run's own timer): code may run there as it would at
   * the end of the job before. Otherwise the callback is one Node calls from native code (a socket's
   * read, say) with state it set up for it, which other code must not touch first (destroying that
   * very socket makes Node misread its read): only resolve a promise or queue a microtask then,
   * which runs as soon as that callback ends (Node empties the microtask queue after each).
   */
  constructor(deadlineMs: number, onDeadline: (betweenJobs: boolean) => void) {
    this.#deadlineAt = performance.now() + deadlineMs;
    this.#onDeadline = onDeadline;
    if (tracked++ === 0) hook.enable();
    waiting.add(this);
    nextDeadlineAt = Math.min(nextDeadlineAt, this.#deadlineAt);
    // For a thread with nothing else to run (no callback boundary comes), the timer says it.
    this.#timer = setTimeout(() => this.#onTimer(), deadlineMs);
  }

  /** Tells every waiting run whose deadline has passed (called by the hook, and by a run's timer). */
  static cutDue(betweenJobs: boolean): void {
    const now = performance.now();
    nextDeadlineAt = Number.POSITIVE_INFINITY;
    for (const work of waiting) {
      if (work.#deadlineAt <= now) {
        waiting.delete(work);
        work.#onDeadline(betweenJobs);
      } else nextDeadlineAt = Math.min(nextDeadlineAt, work.#deadlineAt);
    }
  }

  #onTimer(): void {
    this.#timer = undefined;
    if (!waiting.has(this)) return;
    // A timer counts whole milliseconds of a clock truncated to the millisecond, so it can fire
    // up to a millisecond before the deadline: then it waits for the rest.
    const left = this.#deadlineAt - performance.now();
    if (left > 0) this.#timer = setTimeout(() => this.#onTimer(), Math.ceil(left));
    else OwnWork.cutDue(true);
  }

  /** True while a slice of the run is running (the deadline came in the middle of the run's own work). */
  get inSlice(): boolean {
    return this.#depth > 0;
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
    clearTimeout(this.#timer);
    if (waiting.delete(this) && this.#deadlineAt === nextDeadlineAt) {
      nextDeadlineAt = Number.POSITIVE_INFINITY;
      for (const work of waiting) nextDeadlineAt = Math.min(nextDeadlineAt, work.#deadlineAt);
    }
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
