import { AsyncLocalStorage } from 'node:async_hooks';

/** Set inside a run's subject and everything it starts, awaits or schedules, however late. */
const inRun = new AsyncLocalStorage<true>();

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const;

let installed = false;

/**
 * Runs fn (an inline run) so that nothing it or its framework prints reaches the lab's stdout or
 * stderr: console calls and direct writes to process.stdout/stderr made in its async context are
 * dropped, during the run and after it (the Agents SDK warns "Accessed finalOutput before agent run
 * is completed." when a streamed run is cut at its deadline). The lab's own output goes through
 * as before. A worker run's output goes nowhere either (pool-task.ts): what a subject prints would
 * break `--json` and is not the lab's to show.
 */
export function withoutSubjectConsole<T>(fn: () => T): T {
  install();
  return inRun.run(true, fn);
}

/** Whether the caller runs in a subject's async context (its output is dropped). */
export function inSubjectContext(): boolean {
  return inRun.getStore() === true;
}

/**
 * Runs fn as the lab, even from a subject's async context: the lab's warning about a rejection a
 * subject left unhandled is printed from inside that subject's context, and must still be seen.
 */
export function asLab<T>(fn: () => T): T {
  return inRun.exit(fn);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const method of CONSOLE_METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    console[method] = function (this: Console, ...args: unknown[]) {
      if (!inSubjectContext()) original.apply(this, args);
    } as never;
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, ...args: unknown[]): boolean {
      if (!inSubjectContext()) return (write as (...a: unknown[]) => boolean).apply(this, args);
      // Dropped, but a caller waiting for its callback still gets it.
      const callback = args.find((a): a is () => void => typeof a === 'function');
      if (callback) queueMicrotask(callback);
      return true;
    } as typeof stream.write;
  }
}
