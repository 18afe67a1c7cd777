// Small helpers for writing HTML as text. Every value that reaches the page goes through esc (or
// jsonForScript), so a scenario id, a message or a model reply can never become markup.

/** Text escaped for an HTML text node or a double-quoted attribute. */
export function esc(value: string | number | null | undefined): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON safe inside a <script> element: no "</script>", no "<!--", no line separators JavaScript would trip on. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A whole number with thousands separators, the same on every machine (no locale). */
export function num(n: number): string {
  const [int, frac] = String(n).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** A duration in ms for a person: "0.8 ms", "12 ms", "1.25 s". */
export function ms(value: number | null): string {
  if (value === null) return '–';
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 1000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

/** An ISO time as "2026-11-23 19:54:23 UTC". */
export function utc(iso: string | null): string {
  return iso === null ? '–' : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** An ISO time to the minute, for tables whose header says UTC: "2026-11-23 19:54". */
export function minute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A share as a whole percentage ("–" of nothing). */
export function pct(part: number, whole: number): string {
  return whole === 0 ? '–' : `${Math.round((100 * part) / whole)}%`;
}

/** "1 run", "2 runs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** The rows a long table shows before the rest fold away ("The other N rows"), without script. */
export const TABLE_ROWS_SHOWN = 25;

/**
 * A table from its header row and its rows as HTML. Past `shown` rows, the rest go into a second
 * table with the same header inside a <details>, so a long list does not bury what follows it.
 */
export function tableHtml(options: {
  caption?: string;
  head: string;
  rows: string[];
  className?: string;
  shown?: number;
  what?: string;
}): string {
  const shown = options.shown ?? TABLE_ROWS_SHOWN;
  const cls = options.className ? ` class="${options.className}"` : '';
  const one = (rows: string[], caption?: string) =>
    `<div class="table-wrap"><table${cls}>${caption ? `<caption>${caption}</caption>` : ''}<thead>${options.head}</thead>\n<tbody>${rows.join('\n')}</tbody></table></div>`;
  if (options.rows.length <= shown + 5) return one(options.rows, options.caption);
  const rest = options.rows.length - shown;
  return `${one(options.rows.slice(0, shown), options.caption)}\n<details class="more-rows"><summary>The other ${plural(rest, options.what ?? 'row')}</summary>${one(options.rows.slice(shown))}</details>`;
}

/** A table: a caption, a header row of <th scope="col">, and rows whose first cell is a <th scope="row">. Cells are HTML already. */
export function table(options: {
  caption?: string;
  head: string[];
  rows: string[][];
  numeric?: number[];
  className?: string;
  rowHeader?: boolean;
  shown?: number;
  what?: string;
}): string {
  const numeric = new Set(options.numeric ?? []);
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  const rowHeader = options.rowHeader ?? true;
  const head = `<tr>${options.head.map((h, i) => `<th scope="col"${cls(i)}>${h}</th>`).join('')}</tr>`;
  const rows = options.rows.map(
    (r) =>
      `<tr>${r.map((c, i) => (i === 0 && rowHeader ? `<th scope="row"${cls(i)}>${c}</th>` : `<td${cls(i)}>${c}</td>`)).join('')}</tr>`,
  );
  return tableHtml({
    caption: options.caption,
    head,
    rows,
    className: options.className,
    shown: options.shown ?? Number.MAX_SAFE_INTEGER,
    what: options.what,
  });
}
