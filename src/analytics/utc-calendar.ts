import { IsoTime } from '../contracts/common.ts';
import { UsageError } from '../errors/usage-error.ts';

/** Milliseconds in an hour. */
export const HOUR_MS = 3_600_000;
/** Milliseconds in a day. */
export const DAY_MS = 24 * HOUR_MS;

/** The instant an analysis describes, in ms; a UsageError names the expected form when it is not an ISO UTC time. */
export function parseAsOf(asOf: string): number {
  if (!IsoTime.safeParse(asOf).success) {
    throw new UsageError({
      message: `as-of time ${JSON.stringify(asOf)} is not an ISO 8601 UTC time; give one such as 2026-01-15T00:00:00.000Z`,
    });
  }
  return Date.parse(asOf);
}

/** The UTC day of an instant, YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The ISO 8601 week of an instant (weeks start on Monday, UTC), and the day it starts. */
export function isoWeek(ms: number): { week: string; starts: string } {
  const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
  const monday = dayStart - weekday * DAY_MS;
  // The week belongs to the year of its Thursday.
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const number = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { week: `${year}-W${String(number).padStart(2, '0')}`, starts: utcDay(monday) };
}
