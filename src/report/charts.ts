import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { SEVERITIES } from '../contracts/failure-record.ts';
import { esc, num } from './html.ts';
import type { LedgerView, Overview } from './report-data.ts';

// The report's charts, drawn with Observable Plot in Node (through linkedom's DOM) when the report
// is written, so the page needs no script to show them and carries no charting library.
// Colours are CSS variables (fill="var(--k-timeout)"), which the page's stylesheet sets for the
// light and the dark theme; Plot's own <style> element is dropped (the page's Content-Security-
// Policy admits only the page's one stylesheet) and its rules live in that stylesheet.
// No continuous colour legend: it needs a canvas, which linkedom does not have.

/** The most cells a heat map shades apart: counts are bucketed on a square-root scale. */
const HEAT_LEVELS = 5;

/** An SVG string from a Plot specification: xmlns set, Plot's <style> dropped, labelled for assistive technology. */
function render(label: string, options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const node = Plot.plot({ ...options, document } as Plot.PlotOptions) as unknown as { outerHTML: string };
  return node.outerHTML
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/^<svg /, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)}" `);
}

/** The heat level of a count: 0 for none, 1 to HEAT_LEVELS on a square-root scale of the largest. */
export function heatLevel(count: number, max: number): number {
  return count === 0 || max === 0 ? 0 : Math.max(1, Math.ceil(HEAT_LEVELS * Math.sqrt(count / max)));
}

const outcomeVar = (o: string) => `var(--k-${o})`;

/** A left margin wide enough for the longest label (about 6.6 px a character at the page's 11 px). */
function marginFor(labels: readonly string[], min = 60): number {
  return Math.max(min, Math.ceil(Math.max(0, ...labels.map((l) => l.length)) * 6.6) + 14);
}

interface Bar {
  key: string;
  count: number;
  fill: string;
}

/** Horizontal bars, one per key in the given order, with the count at the end of each bar. */
function barsX(label: string, bars: Bar[], { width = 460, xLabel = 'runs' } = {}): string {
  const max = Math.max(1, ...bars.map((b) => b.count));
  const marginLeft = marginFor(bars.map((b) => b.key));
  return render(label, {
    width,
    height: 34 + bars.length * 26,
    marginLeft,
    marginRight: 48,
    x: {
      label: `${xLabel} →`,
      domain: [0, max],
      grid: true,
      ticks: Math.min(5, max),
      tickFormat: (d: number) => (Number.isInteger(d) ? num(d) : ''),
    },
    y: { label: null, domain: bars.map((b) => b.key), tickSize: 0 },
    color: { type: 'identity' },
    marks: [
      Plot.barX(bars, { y: 'key', x: 'count', fill: 'fill', insetTop: 3, insetBottom: 3 }),
      Plot.text(bars, {
        y: 'key',
        x: 'count',
        text: (b: Bar) => num(b.count),
        textAnchor: 'start',
        dx: 4,
        fill: 'currentColor',
      }),
      Plot.ruleX([0]),
    ],
  });
}

/** Vertical bars over an ordinal axis (histogram buckets, depths). */
function barsY(label: string, bars: Bar[], { width = 460, xLabel = '', yLabel = 'runs', rotate = false } = {}): string {
  const max = Math.max(1, ...bars.map((b) => b.count));
  return render(label, {
    width,
    height: rotate ? 260 : 230,
    marginBottom: rotate ? 72 : 44,
    marginLeft: 48,
    marginTop: 22,
    x: {
      label: xLabel || null,
      domain: bars.map((b) => b.key),
      tickSize: 0,
      labelAnchor: 'center',
      labelOffset: rotate ? 66 : 40,
      ...(rotate ? { tickRotate: -35 } : {}),
    },
    y: {
      label: `↑ ${yLabel}`,
      domain: [0, max],
      grid: true,
      ticks: Math.min(5, max),
      tickFormat: (d: number) => (Number.isInteger(d) ? num(d) : ''),
    },
    color: { type: 'identity' },
    marks: [
      Plot.barY(bars, { x: 'key', y: 'count', fill: 'fill', insetLeft: 2, insetRight: 2 }),
      Plot.text(
        bars.filter((b) => b.count > 0),
        { x: 'key', y: 'count', text: (b: Bar) => num(b.count), dy: -7, fill: 'currentColor' },
      ),
      Plot.ruleY([0]),
    ],
  });
}

interface Cell {
  x: string;
  y: string;
  count: number;
  fill: string;
  text: string;
}

/** A heat map of counts; `tone` picks the palette per cell (as expected on the diagonal, mismatched off it). */
function heatMap(
  label: string,
  cells: { x: string; y: string; count: number; tone: 'ok' | 'bad' }[],
  xs: string[],
  ys: string[],
  { xLabel, yLabel, width = 560 }: { xLabel: string; yLabel: string; width?: number },
): string {
  const marginLeft = marginFor(ys) + 16;
  // Each palette is shaded against its own largest count, so a lone mismatch off the diagonal
  // stands out beside a diagonal of hundreds.
  const max = (tone: string) => Math.max(0, ...cells.filter((c) => c.tone === tone).map((c) => c.count));
  const maxOf = { ok: max('ok'), bad: max('bad') };
  const data: Cell[] = cells.map((c) => {
    const level = heatLevel(c.count, maxOf[c.tone]);
    return {
      x: c.x,
      y: c.y,
      count: c.count,
      fill: `var(--heat-${c.tone}-${level})`,
      text: `var(--heat-text-${level})`,
    };
  });
  return render(label, {
    width,
    height: 60 + ys.length * 34,
    marginLeft,
    marginTop: 44,
    marginBottom: 10,
    x: { label: `${xLabel}`, domain: xs, axis: 'top', tickSize: 0, labelAnchor: 'center' },
    y: { label: `${yLabel}`, domain: ys, tickSize: 0, labelAnchor: 'center' },
    color: { type: 'identity' },
    marks: [
      Plot.cell(data, { x: 'x', y: 'y', fill: 'fill', inset: 1.5, rx: 3 }),
      Plot.text(
        data.filter((c) => c.count > 0),
        { x: 'x', y: 'y', text: (c: Cell) => num(c.count), fill: 'text', fontWeight: 'bold' },
      ),
    ],
  });
}

/** Short names for the outcomes on a crowded axis. */
const SHORT: Record<string, string> = {
  timeout: 'timeout',
  exception: 'exception',
  validation_error: 'validation',
  hallucination_flag: 'hallucination',
  pass: 'pass',
};

/** The charts of the overview, by name; each is an SVG string. */
export function overviewCharts(o: Overview): Record<string, string> {
  const outcomes = o.by_detected.map((c) => c.key);
  const charts: Record<string, string> = {};
  charts.confusion = heatMap(
    'Confusion matrix: expected outcome (rows) against detected outcome (columns), runs per cell',
    o.confusion.map((c) => ({
      x: SHORT[c.detected]!,
      y: SHORT[c.expected]!,
      count: c.count,
      tone: c.expected === c.detected ? 'ok' : 'bad',
    })),
    outcomes.map((k) => SHORT[k]!),
    outcomes.map((k) => SHORT[k]!),
    { xLabel: 'detected', yLabel: 'expected', width: 520 },
  );
  charts.kinds = barsX(
    'Runs by detected outcome',
    o.by_detected.map((c) => ({ key: c.key, count: c.count, fill: outcomeVar(c.key) })),
  );
  // One stacked bar per subject, a segment per detected outcome.
  const segments = o.by_subject.flatMap((s) =>
    s.by_detected
      .filter((c) => c.count > 0)
      .map((c) => ({ subject: s.subject_id, outcome: c.key, count: c.count, fill: outcomeVar(c.key) })),
  );
  const maxRuns = Math.max(1, ...o.by_subject.map((s) => s.runs));
  charts.subjects = render('Runs by subject, split by detected outcome', {
    width: 460,
    height: 34 + o.by_subject.length * 26,
    marginLeft: marginFor(o.by_subject.map((s) => s.subject_id)),
    marginRight: 48,
    x: {
      label: 'runs →',
      domain: [0, maxRuns],
      grid: true,
      ticks: Math.min(5, maxRuns),
      tickFormat: (d: number) => (Number.isInteger(d) ? num(d) : ''),
    },
    y: { label: null, domain: o.by_subject.map((s) => s.subject_id), tickSize: 0 },
    color: { type: 'identity' },
    marks: [
      Plot.barX(
        segments,
        Plot.stackX({
          y: 'subject',
          x: 'count',
          fill: 'fill',
          order: outcomes as string[],
          z: 'outcome',
          insetTop: 3,
          insetBottom: 3,
        } as Plot.BarXOptions),
      ),
      Plot.text(o.by_subject, {
        y: 'subject_id',
        x: 'runs',
        text: (s: { runs: number }) => num(s.runs),
        textAnchor: 'start',
        dx: 4,
        fill: 'currentColor',
      }),
      Plot.ruleX([0]),
    ],
  });
  charts.failure_types = barsX(
    'Runs by failure type of their failure',
    o.by_failure_type.map((c) => ({ key: c.key, count: c.count, fill: `var(--t-${c.key})` })),
  );
  charts.durations = barsY(
    'Distribution of run durations',
    o.durations.map((b) => ({ key: b.label, count: b.count, fill: 'var(--accent)' })),
    { xLabel: 'duration', width: 560, rotate: o.durations.length > 6 },
  );
  charts.depths = barsY(
    'Runs by cascade depth',
    o.cascade_depths.map((d) => ({
      key: String(d.depth),
      count: d.count,
      fill: d.depth === 0 ? 'var(--muted-fill)' : 'var(--accent)',
    })),
    { xLabel: 'cascade depth (levels; 0: no failure)', width: 300 },
  );
  charts.recovery = barsX(
    'Runs by recovery outcome',
    o.recovery.map((c) => ({ key: c.key, count: c.count, fill: `var(--r-${c.key})` })),
  );
  return charts;
}

/** The charts of the ledger view, by name. */
export function ledgerCharts(l: LedgerView): Record<string, string> {
  const charts: Record<string, string> = {};
  const categories = [...new Set(l.open_by_category_severity.filter((c) => c.count > 0).map((c) => c.category))];
  if (categories.length > 0) {
    charts.open = heatMap(
      'Open failures by category (rows) and severity (columns)',
      l.open_by_category_severity
        .filter((c) => categories.includes(c.category))
        .map((c) => ({ x: c.severity, y: c.category, count: c.count, tone: 'bad' as const })),
      [...SEVERITIES],
      categories,
      { xLabel: 'severity', yLabel: 'category', width: 460 },
    );
  }
  charts.status = barsX(
    'Failures by lifecycle state at as-of',
    l.by_status.map((c) => ({ key: c.key, count: c.count, fill: `var(--s-${c.key.toLowerCase()})` })),
    { xLabel: 'failures' },
  );
  if (l.trends.length > 0) charts.trends = trendChart(l);
  return charts;
}

/** The fewest days the trend chart spans: one day of data is one narrow bar on a week's axis, not one wide bar. */
export const MIN_TREND_DAYS = 7;

/**
 * The days from the first to the last day with activity, each with its counts (zero on quiet
 * days), at least MIN_TREND_DAYS of them, ending on the last.
 */
export function everyDay(l: LedgerView): LedgerView['trends'] {
  const byDate = new Map(l.trends.map((d) => [d.date, d]));
  const last = Date.parse(`${l.trends.at(-1)!.date}T00:00:00.000Z`);
  const first = Math.min(Date.parse(`${l.trends[0]!.date}T00:00:00.000Z`), last - (MIN_TREND_DAYS - 1) * 86_400_000);
  const days: LedgerView['trends'] = [];
  for (let t = first; t <= last; t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    days.push(
      byDate.get(date) ?? {
        date,
        recorded: 0,
        runs: 0,
        repeats: 0,
        regressions: 0,
        resolved: 0,
        prevented: 0,
        reopened: 0,
        escalations: 0,
        by_severity: {},
      },
    );
  }
  return days;
}

/** The most days the trend chart shows one bar each; a longer ledger shows its latest days. */
const TREND_DAYS = 90;

function trendChart(l: LedgerView): string {
  const days = everyDay(l).slice(-TREND_DAYS);
  const dates = days.map((d) => d.date);
  const rows = days.flatMap((d) =>
    SEVERITIES.filter((s) => (d.by_severity[s] ?? 0) > 0).map((s) => ({
      date: d.date,
      severity: s,
      count: d.by_severity[s]!,
      fill: `var(--sev-${s.toLowerCase()})`,
    })),
  );
  const resolved = days
    .filter((d) => d.resolved + d.prevented > 0)
    .map((d) => ({ date: d.date, count: d.resolved + d.prevented }));
  const maxDay = Math.max(1, ...days.map((d) => d.recorded), ...resolved.map((r) => r.count));
  // A label every few days, so labels never overlap: about ten along the axis.
  const every = Math.max(1, Math.ceil(days.length / 10));
  return render(
    `Failures recorded per UTC day over the last ${days.length} days, by severity, with failures resolved or prevented that day as dots`,
    {
      width: 620,
      height: 250,
      marginLeft: 48,
      marginBottom: 48,
      x: {
        label: null,
        domain: dates,
        tickSize: 0,
        padding: 0.15,
        tickFormat: (d: string, i: number) => (i % every === 0 ? d.slice(5) : ''),
        tickRotate: days.length > 10 ? -35 : 0,
      },
      y: {
        label: '↑ failures',
        domain: [0, maxDay],
        grid: true,
        ticks: Math.min(5, maxDay),
        tickFormat: (d: number) => (Number.isInteger(d) ? num(d) : ''),
      },
      color: { type: 'identity' },
      marks: [
        Plot.barY(
          rows,
          Plot.stackY({
            x: 'date',
            y: 'count',
            fill: 'fill',
            z: 'severity',
            order: [...SEVERITIES],
          } as Plot.BarYOptions),
        ),
        Plot.dot(resolved, { x: 'date', y: 'count', r: 4, fill: 'var(--s-resolved)', stroke: 'var(--bg)' }),
        Plot.ruleY([0]),
      ],
    },
  );
}
