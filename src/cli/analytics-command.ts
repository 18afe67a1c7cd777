import path from 'node:path';
import { computeAnalytics } from '../analytics/compute-analytics.ts';
import { ledgerRecords } from '../analytics/ledger-records.ts';
import { analyticsDir, writeAnalytics } from '../analytics/write-analytics.ts';
import { UsageError } from '../errors/usage-error.ts';
import { ledgerNow } from '../ledger/ledger-settings.ts';
import type { CliIo } from './io.ts';
import { SkippedRecords } from './skipped-records.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { checkOutFolder } from './out-path.ts';
import { noteIfMemory, openLedgerToRead, storeDir, storeName, storeOptions } from './store-options.ts';

/** The analytics command's flags. */
export const analyticsSpec: CommandSpec = {
  name: 'analytics',
  summary:
    "Writes the failure ledger's four analytics files (failure-trends.json, failure-by-category.json, repeat-failures.json, mttr-metrics.json), each valid against its schema in schemas/, in one pass over the records.",
  options: {
    ...storeOptions,
    out: {
      type: 'string',
      value: 'DIR',
      help: 'the folder to write them into, created if missing; files of the same names in it are replaced (default DIR/failures/analytics of the files store; required for memory and cosmos)',
    },
    'as-of': {
      type: 'string',
      value: 'TIME',
      help: 'count the ledger as it stood at this ISO 8601 UTC time (default LAB_NOW, else now); the same records and time give the same bytes',
    },
    json: { type: 'boolean', help: 'print {"files": [...]} instead of a line per file' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `analytics`; exit 0, 1 when a record cannot be read, 2 on bad input. */
export async function analyticsCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(analyticsSpec, argv, io.env);
  if (values.help) {
    io.out(
      helpText(analyticsSpec, 'Usage: npm run lab -- analytics [--store NAME] [--dir DIR] [--out DIR] [--as-of TIME]'),
    );
    return 0;
  }
  const name = storeName(values);
  const dir = storeDir(values, io);
  if (typeof values.out !== 'string' && name !== 'files')
    throw new UsageError({
      message: `analytics from the ${name} store needs --out DIR (the files store writes beside its records by default)`,
    });
  const out = typeof values.out === 'string' ? checkOutFolder('--out', values.out, io.cwd) : analyticsDir(dir);
  const asOf = asOfTime(values['as-of'], io.env);
  noteIfMemory(name, io);
  const skips = new SkippedRecords(io);
  const ledger = await openLedgerToRead(values, io, { onSkip: skips.onSkip });
  let files: string[];
  try {
    files = await writeAnalytics(out, await computeAnalytics(ledgerRecords(ledger), { asOf }));
  } finally {
    await ledger.close();
  }
  if (values.json) io.out(JSON.stringify({ as_of: asOf, files }));
  else for (const file of files) io.out(`wrote ${path.relative(io.cwd, file)}`);
  return skips.finish(0);
}

/** --as-of, else the ledger clock (LAB_NOW, else now), as an ISO time. */
export function asOfTime(flag: unknown, env: NodeJS.ProcessEnv): string {
  if (typeof flag !== 'string') return ledgerNow(env);
  try {
    return ledgerNow({ LAB_NOW: flag });
  } catch {
    throw new UsageError({
      message: `--as-of must be an ISO 8601 UTC time such as 2026-11-22T00:00:00Z, got "${flag}"`,
    });
  }
}
