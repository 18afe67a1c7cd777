import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ledgerRecords } from '../analytics/ledger-records.ts';
import { monthlyReport } from '../analytics/monthly-report.ts';
import { weeklyReport } from '../analytics/weekly-report.ts';
import { UsageError } from '../errors/usage-error.ts';
import { openLedger } from '../ledger-store/ledgers.ts';
import { asOfTime } from './analytics-command.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { storeName, storeOptions } from './store-options.ts';

/** The report command's flags. */
export const reportSpec: CommandSpec = {
  name: 'report',
  summary: "Writes a report of the failure ledger: the weekly failure report or the monthly trends report, in Markdown. The same records and --as-of give the same bytes.",
  options: {
    ...storeOptions,
    period: { type: 'string', value: 'P', help: 'weekly (the 7 days before --as-of) or monthly (the 30 days before it)', default: 'weekly' },
    format: { type: 'string', value: 'F', help: 'md (Markdown)', default: 'md' },
    'as-of': { type: 'string', value: 'TIME', help: 'the end of the period, an ISO 8601 UTC time (default LAB_NOW, else now)' },
    out: { type: 'string', value: 'FILE', help: 'write to FILE instead of stdout' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `report`; exit 0, 1 when a record cannot be read, 2 on bad input. */
export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(reportSpec, argv, io.env);
  if (values.help) {
    io.out(helpText(reportSpec, 'Usage: npm run lab -- report [--period weekly|monthly] [--as-of TIME] [--out FILE]'));
    return 0;
  }
  const period = String(values.period);
  if (period !== 'weekly' && period !== 'monthly') throw new UsageError({ message: `--period must be weekly or monthly, got "${period}"` });
  if (values.format !== 'md') throw new UsageError({ message: `--format must be md, got "${String(values.format)}"` });
  const asOf = asOfTime(values['as-of'], io.env);
  const ledger = await openLedger(storeName(values), { env: io.env, dir: path.resolve(io.cwd, String(values.dir)) });
  let text: string;
  try {
    text = await (period === 'weekly' ? weeklyReport : monthlyReport)(ledgerRecords(ledger), { asOf });
  } finally {
    await ledger.close();
  }
  if (typeof values.out === 'string') {
    const out = path.resolve(io.cwd, values.out);
    await writeFile(out, text);
    io.err(`wrote the ${period} report to ${path.relative(io.cwd, out)}`);
  } else io.out(text.replace(/\n$/, ''));
  return 0;
}
