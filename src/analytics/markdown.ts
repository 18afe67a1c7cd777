import type { BoundedList } from './bounded-list.ts';
import type { DurationHistogram } from './duration-histogram.ts';
import { DAY_MS, HOUR_MS } from './utc-calendar.ts';

// Small text helpers for the Markdown reports: every one is a pure function of its arguments,
// so a report depends on nothing but its records and as-of time.

/** A cell's text, with what would break a table row escaped. */
export function cell(text: string | number): string {
  return String(text)
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

/** A Markdown table; `right` names the columns aligned right (numbers). */
export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  right: readonly number[] = [],
): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (right.includes(i) ? '---:' : '---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** "1 failure", "2 failures". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A share as a whole percentage, or "n/a" of nothing. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${Math.round((100 * part) / whole)}%`;
}

/** An instant as "2026-01-15 09:30 UTC". */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A UTC day "2026-01-15". */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A period [from, to): whole UTC days as "first to last day", otherwise as two times. */
export function formatPeriod(fromMs: number, toMs: number): string {
  if (fromMs % DAY_MS === 0 && toMs % DAY_MS === 0) {
    const last = toMs - DAY_MS;
    return last === fromMs ? formatDay(fromMs) : `${formatDay(fromMs)} to ${formatDay(last)}`;
  }
  return `${formatTime(fromMs)} to ${formatTime(toMs)}`;
}

/** A report's window for its opening sentence: whole UTC days say so, other spans name their times. */
export function formatWindow(fromMs: number, toMs: number): string {
  const period = formatPeriod(fromMs, toMs);
  return fromMs % DAY_MS === 0 && toMs % DAY_MS === 0 ? `${period} (UTC)` : period;
}

/** A duration for a person: "45 min", "5.5 h", "3.2 days". */
export function formatDuration(ms: number): string {
  if (ms < HOUR_MS) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * HOUR_MS) return `${(ms / HOUR_MS).toFixed(1)} h`;
  return `${(ms / DAY_MS).toFixed(1)} days`;
}

/** The mean, median and p90 of some durations, or dashes when there are none. */
export function durationCells(d: DurationHistogram): [string, string, string] {
  const show = (ms: number | null) => (ms === null ? '-' : formatDuration(ms));
  return [show(d.meanMs()), show(d.percentileMs(0.5)), show(d.percentileMs(0.9))];
}

/** A fingerprint shortened as a git hash is: fp1 and 8 hex digits. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}

/** A failure id in code style, whole so it can be looked up. */
export function failureId(id: string): string {
  return `\`${id}\``;
}

/** Text cut to `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max = 90): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** "And 3 more." under a table that could not show every row; empty when it did. */
export function more(list: Pick<BoundedList<unknown>, 'offered' | 'items'>): string {
  const rest = list.offered - list.items.length;
  return rest > 0 ? `\n\nAnd ${plural(rest, 'more row')} not shown.` : '';
}
