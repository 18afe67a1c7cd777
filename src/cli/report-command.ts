import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ledgerRecords } from '../analytics/ledger-records.ts';
import { monthlyReport } from '../analytics/monthly-report.ts';
import { weeklyReport } from '../analytics/weekly-report.ts';
import { UsageError } from '../errors/usage-error.ts';
import { BUILD_ID } from '../ledger/build-id.ts';
import { asOfTime } from './analytics-command.ts';
import type { CliIo } from './io.ts';
import { SkippedRecords } from './skipped-records.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { checkOutFile } from './out-path.ts';
import { noteIfMemory, openLedgerToRead, openStoreToRead, storeName, storeOptions } from './store-options.ts';

/** The report command's flags. */
export const reportSpec: CommandSpec = {
  name: 'report',
  summary:
    "Writes a report. --format md: the failure ledger's weekly failure report or monthly trends report, in Markdown. --format html: one self-contained HTML page of the runs in the store (one build or all), their failures, cascades and recoveries, the ledger's analytics, and with --baseline what changed between two builds; open it in any browser, no network needed. The same records and --as-of give the same bytes.",
  options: {
    ...storeOptions,
    format: {
      type: 'string',
      value: 'F',
      help: 'md (Markdown, the ledger report of --period) or html (the whole report in one file)',
      default: 'md',
    },
    period: {
      type: 'string',
      value: 'P',
      help: 'md: weekly (the 7 days before --as-of) or monthly (the 30 days before it)',
      default: 'weekly',
    },
    'build-id': {
      type: 'string',
      value: 'ID',
      help: 'html: only the runs of this build (default: every run in the store)',
    },
    baseline: {
      type: 'string',
      value: 'ID',
      help: 'html: compare --build-id with this earlier build (new failures, failures gone, changed kinds, scenarios added or removed)',
    },
    'all-attempts': {
      type: 'boolean',
      help: 'html: every attempt of a build captured more than once (default: its last complete attempt; see docs/ledger-builds.md)',
    },
    'as-of': {
      type: 'string',
      value: 'TIME',
      help: 'read the ledger as of this ISO 8601 UTC time (md: the end of the period, default LAB_NOW, else now; html: default LAB_NOW, else just after the newest record, never the clock)',
    },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'write to FILE instead of stdout (its folder must exist, checked first; a file there is replaced)',
    },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `report`; exit 0, 1 when a record cannot be read, 2 on bad input. */
export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(reportSpec, argv, io.env);
  if (values.help) {
    io.out(
      helpText(
        reportSpec,
        'Usage: npm run lab -- report [--period weekly|monthly] [--as-of TIME] [--out FILE]\n       npm run lab -- report --format html [--build-id ID [--baseline ID]] [--as-of TIME] [--out FILE]',
      ),
    );
    return 0;
  }
  const period = String(values.period);
  if (period !== 'weekly' && period !== 'monthly')
    throw new UsageError({ message: `--period must be weekly or monthly, got "${period}"` });
  if (values.format !== 'md' && values.format !== 'html')
    throw new UsageError({ message: `--format must be md or html, got "${String(values.format)}"` });
  if (values.format === 'html') return htmlReport(values, io);
  for (const flag of ['build-id', 'baseline'] as const)
    if (values[flag] !== undefined) throw new UsageError({ message: `--${flag} applies to --format html only` });
  const asOf = asOfTime(values['as-of'], io.env);
  const out = typeof values.out === 'string' ? checkOutFile('--out', values.out, io.cwd) : null;
  noteIfMemory(storeName(values), io);
  const skips = new SkippedRecords(io);
  const ledger = await openLedgerToRead(values, io, { onSkip: skips.onSkip });
  let text: string;
  try {
    text = await (period === 'weekly' ? weeklyReport : monthlyReport)(ledgerRecords(ledger), { asOf });
  } finally {
    await ledger.close();
  }
  if (out) {
    await writeFile(out, text);
    io.err(`wrote the ${period} report to ${path.relative(io.cwd, out)}`);
  } else io.out(text.replace(/\n$/, ''));
  return skips.finish(0);
}

/** Runs `report --format html`: the whole report of a store, in one file. */
async function htmlReport(values: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const buildId = typeof values['build-id'] === 'string' ? values['build-id'] : undefined;
  const baselineId = typeof values.baseline === 'string' ? values.baseline : undefined;
  for (const [flag, id] of [
    ['build-id', buildId],
    ['baseline', baselineId],
  ] as const) {
    if (id !== undefined && !BUILD_ID.test(id))
      throw new UsageError({
        message: `--${flag} must be letters, digits, ".", "_", "-" or ":" (at most 128), got "${id}"`,
      });
  }
  if (baselineId !== undefined && buildId === undefined)
    throw new UsageError({ message: '--baseline needs --build-id: the build to compare with the baseline' });
  if (baselineId !== undefined && baselineId === buildId)
    throw new UsageError({ message: '--baseline must name another build than --build-id' });
  // Never the clock: a report written twice from the same records is the same file.
  const asOf =
    typeof values['as-of'] === 'string'
      ? { time: asOfTime(values['as-of'], io.env), source: 'flag' as const }
      : io.env.LAB_NOW
        ? { time: asOfTime(undefined, io.env), source: 'env' as const }
        : undefined;
  const name = storeName(values);
  const out = typeof values.out === 'string' ? checkOutFile('--out', values.out, io.cwd) : null;
  const skips = new SkippedRecords(io);
  // The memory store's note, from openStoreToRead, says why such a report is empty.
  const store = await openStoreToRead(values, io, { onSkip: skips.onSkip });
  let report;
  try {
    const ledger = await openLedgerToRead(values, io, { onSkip: skips.onSkip });
    try {
      // Loaded here: Observable Plot and a DOM are the HTML report's alone.
      const { buildHtmlReport } = await import('../report/write-report.ts');
      report = await buildHtmlReport({
        store,
        ledger,
        buildId,
        baselineId,
        asOf,
        allAttempts: values['all-attempts'] === true,
        onAttempts: (c) =>
          io.err(
            `note: build ${c.build_id} was captured ${c.attempts} times; its report shows attempt ${c.attempt_id ?? '(none recorded)'}, the last complete one, and sets aside ${c.set_aside} run(s) of the others (--all-attempts shows them)`,
          ),
      });
    } finally {
      await ledger.close();
    }
  } finally {
    await store.close();
  }
  const { data } = report;
  if (name !== 'memory' && data.runs.length === 0)
    io.err(`note: the ${name} store holds no runs${buildId ? ` of build ${buildId}` : ''}`);
  if (baselineId !== undefined && data.compare?.baseline_runs === 0)
    io.err(`note: the ${name} store holds no runs of the baseline build ${baselineId}`);
  if (out) {
    await writeFile(out, report.html);
    io.err(
      `wrote the HTML report of ${data.runs.length} run${data.runs.length === 1 ? '' : 's'} (${Math.round(report.bytes / 1024)} KB) to ${path.relative(io.cwd, out)}`,
    );
  } else io.out(report.html.replace(/\n$/, ''));
  return skips.finish(0);
}
