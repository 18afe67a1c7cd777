/** Milliseconds since the epoch, with sub-millisecond precision where the clock has it. */
export type Clock = () => number;

/** The system clock: performance.now() anchored to the epoch, so durations are monotonic. */
export const systemClock: Clock = () => performance.timeOrigin + performance.now();

/** An ISO timestamp for a Clock reading. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
