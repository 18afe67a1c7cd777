import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect } from 'vitest';

/** How late this process's event loop ran while something was measured: the machine's busyness, seen from here. */
export interface LoopLag {
  maxMs: number;
  p99Ms: number;
}

/** Starts watching this process's event-loop delay; stop() says how late it ran meanwhile. */
export function watchLoop(): { stop(): LoopLag } {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 };
    },
  };
}

/**
 * Checks a wall-clock bound. A test that measures time can only fail for two reasons: the lab is
 * slow, or the machine was too busy to tell. When the bound is missed while the event loop here
 * was held for a good part of it, the test fails saying the machine was too busy, never silently
 * and never as if the lab were at fault; otherwise it fails as a real finding.
 */
export function expectWithin(actualMs: number, limitMs: number, what: string, lag: LoopLag): void {
  if (actualMs < limitMs) return;
  if (lag.maxMs >= limitMs / 2) {
    throw new Error(
      `the machine was too busy to check that ${what} (took ${actualMs.toFixed(1)} ms, limit ${limitMs} ms): this process's event loop was held up to ${lag.maxMs.toFixed(0)} ms meanwhile. Rerun on a quieter machine.`,
    );
  }
  expect(actualMs, `${what} (event loop lag here at most ${lag.maxMs.toFixed(0)} ms)`).toBeLessThan(limitMs);
}
