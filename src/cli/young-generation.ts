// The young generation of a process that runs subjects (docs/timeouts.md, "Garbage collection").
//
// V8 stops the thread while it collects young objects, for as long as copying the ones that
// survive takes. With 16 runs in flight about 8 MB survive each collection. With Node's default
// young generation (V8 sizes it from the heap limit: a 32 MB semi-space on the 23 GB machine the
// figures come from), one collection held the thread 17 to 40 ms, and a deadline that fell in it
// was cut that late. A 6 MB semi-space gives shorter, more frequent collections: the cut's p99 fell
// from 14 to 18 ms to 2.9 to 4.2 ms, for 2 to 4 % fewer runs a second with the thread saturated
// (BENCHMARKS.md, "Issue 18: the young generation"). Labels do not depend on it either way.

/** The flag the lab's commands that run subjects start Node with. */
export const LAB_YOUNG_GENERATION_FLAG = '--max-semi-space-size=6';

const SEMI_SPACE = /--max[-_]semi[-_]space[-_]size/;

/** Whether the person running the lab chose a young generation of their own (a flag, or NODE_OPTIONS): theirs wins. */
export function youngGenerationChosen(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((a) => SEMI_SPACE.test(a)) || SEMI_SPACE.test(nodeOptions ?? '');
}

/** The young generation this process runs with, as its flag, or "Node's default": for figures that depend on it. */
export function youngGenerationInEffect(): string {
  const flag = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].find((a) => SEMI_SPACE.test(a));
  return flag ?? "Node's default";
}

/**
 * Starts this process again, in place, with the lab's young generation. V8 sizes its heap once, at
 * start-up, so a flag cannot take effect later. `process.execve` replaces the program of this very
 * process: the same pid, stdio, environment and arguments, and no second process to forward
 * signals to. It costs one more start of Node (about 30 ms). Nothing happens when the young
 * generation was chosen, where there is no execve (Windows), or under a debugger (`--inspect`,
 * which would stop at the first program's first line too): the lab then runs with what it has.
 */
export function restartWithLabYoungGeneration(): void {
  if (
    typeof process.execve !== 'function' ||
    youngGenerationChosen(process.execArgv, process.env.NODE_OPTIONS) ||
    [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--inspect'))
  )
    return;
  try {
    process.execve(
      process.execPath,
      [process.execPath, LAB_YOUNG_GENERATION_FLAG, ...process.execArgv, ...process.argv.slice(1)],
      process.env,
    );
  } catch {
    // The process could not be replaced (execve failed): it goes on as it is, with labels unchanged.
  }
}
