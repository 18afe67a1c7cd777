/** Milliseconds since the epoch, with sub-millisecond precision where the clock has it. */
export type Clock = () => number;

/** The monotonic clock every thread of the process shares, in ms. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * The epoch minus the monotonic clock, fixed once in the main thread and handed to workers, so
 * times taken in a worker and in the main thread are on one clock. Each thread's own
 * performance.timeOrigin differs by up to a millisecond, enough to record a run cut off at its
 * deadline as ending just before it.
 */
export const EPOCH_OFFSET_MS = performance.timeOrigin + performance.now() - monotonicMs();

/** A clock on the shared monotonic clock with a given epoch offset. */
export function clockWithOffset(offsetMs: number): Clock {
  return () => offsetMs + monotonicMs();
}

/** The system clock: monotonic, anchored to the epoch. */
export const systemClock: Clock = clockWithOffset(EPOCH_OFFSET_MS);

/** An ISO timestamp for a Clock reading. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
