import { z } from 'zod';

/**
 * The bounds of a scenario's numbers (the table in docs/scenarios.md). Every number a scenario
 * holds is checked against one when the scenarios load, so none reaches a run it would break:
 * Node fires a timer of more than 2^31−1 ms at once, Array.from cannot unroll 2^32 replies, and
 * a value nested thousands deep overflows the stack of whatever serializes it.
 */
export const SCENARIO_BOUNDS = {
  /** Any wait, deadline or timeout, in ms: one hour, far below Node's timer limit (2^31−1 ms). */
  ms: 3_600_000,
  /** model.replies[].times. */
  times: 1_000,
  /** Requests in the whole script, `times` unrolled (each is held in memory for the run). */
  requests: 10_000,
  /** client.max_retries. */
  retries: 10,
  /** fault.cut_after_chunks. */
  chunks: 1_000_000,
  /** usage.input_tokens and usage.output_tokens. */
  tokens: 1_000_000_000,
  /** Levels of objects and arrays in the file, the scenario itself being level 1. */
  depth: 64,
} as const;

/** A whole number from min to max, whose error says the bound and where it is documented. */
export function bounded(min: number, max: number, unit = '') {
  const range = `from ${min} to ${max.toLocaleString('en-US')}${unit}`;
  return z
    .int({ error: (issue) => (issue.input === undefined ? undefined : `expected a whole number ${range}`) })
    .min(min, `must be ${range}; raise it (see the bounds in docs/scenarios.md)`)
    .max(max, `must be ${range}; lower it (see the bounds in docs/scenarios.md)`);
}

/** A wait, deadline or timeout in ms, from min to one hour. */
export const ms = (min: number) => bounded(min, SCENARIO_BOUNDS.ms, ' ms (one hour)');
