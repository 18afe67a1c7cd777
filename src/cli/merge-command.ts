import path from 'node:path';
import { UsageError } from '../errors/usage-error.ts';
import { createRedactor, secretsFromEnv } from '../internal/redact.ts';
import { BUILD_ID } from '../ledger/build-id.ts';
import { ledgerNow, ledgerSettingsFromEnv } from '../ledger/ledger-settings.ts';
import { openLedger } from '../ledger-store/ledgers.ts';
import { mergeBuild } from '../merge/merge-build.ts';
import { openStore } from '../store/stores.ts';
import { formatSummary } from './format.ts';
import { checkOutFile } from './out-path.ts';
import type { CliIo } from './io.ts';
import { SkippedRecords } from './skipped-records.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { checkStoreToRead, storeName, storeOptions } from './store-options.ts';

/** The merge command's flags. */
export const mergeSpec: CommandSpec = {
  name: 'merge',
  summary:
    "Checks a sharded capture (capture --shard i/n, one --build-id, one shared store) once every shard is done: that every shard reported, all ran one plan, and every run is stored exactly once. Then it prints the build's combined summary, records its failures in the failure ledger (once, for every shard) and exits as one capture of the whole build would.",
  options: {
    ...storeOptions,
    'build-id': { type: 'string', value: 'ID', help: 'the build the shards shared (required)', env: 'LAB_BUILD_ID' },
    'no-ledger': { type: 'boolean', help: "do not record the build's failures in the failure ledger" },
    report: {
      type: 'string',
      value: 'FILE',
      help: "then write the build's HTML report to FILE (as `report --format html --build-id ID`)",
    },
    json: { type: 'boolean', help: 'print one JSON object: {"summary", "shards", "problems", "ledger_skipped"}' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `merge`; its exit code is the whole build's: 0, 1 (a problem, a mismatch or a run lost) or 2 (bad input). */
export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(mergeSpec, argv, io.env);
  // What merge prints quotes stores' errors, which could quote anything: it is redacted like a trace.
  const redact = createRedactor(secretsFromEnv(io.env));
  const out = (text: string) => io.out(redact(text));
  if (values.help) {
    io.out(mergeUsage());
    return 0;
  }
  const name = storeName(values);
  if (name === 'memory')
    throw new UsageError({
      message:
        'merge reads what the shards stored, and the memory store dies with its process: give the store the shards wrote to, --store files (with --dir) or --store cosmos',
    });
  const buildId = values['build-id'];
  if (typeof buildId !== 'string')
    throw new UsageError({
      message: 'merge needs --build-id ID (or LAB_BUILD_ID): the id every shard of the build was run with',
    });
  if (!BUILD_ID.test(buildId))
    throw new UsageError({
      message: `--build-id must be letters, digits, ".", "_", "-" or ":" (at most 128), got "${buildId}"`,
    });
  const settings = values['no-ledger'] ? null : ledgerSettingsFromEnv(io.env);
  const reportFile = typeof values.report === 'string' ? checkOutFile('--report', values.report, io.cwd) : null;
  checkStoreToRead(values, io); // merge reads what the shards stored: a mistyped --dir is exit 2, never a new store.
  const dir = path.resolve(io.cwd, String(values.dir));
  const skips = new SkippedRecords(io);
  // merge reads the runs and writes only the ledger: the store is opened for reading.
  const store = await openStore(name, { env: io.env, dir, mode: 'read', onSkip: skips.onSkip });
  try {
    const ledger = settings ? await openLedger(name, { env: io.env, dir, onSkip: skips.onSkip }) : null;
    try {
      const result = await mergeBuild({
        store,
        buildId,
        ledger:
          ledger && settings ? { store: ledger, settings: { ...settings, reporter: 'agent-failure-lab merge' } } : null,
      });
      if (reportFile) {
        const { writeHtmlReport } = await import('../report/write-report.ts');
        const asOf = io.env.LAB_NOW ? { time: ledgerNow(io.env), source: 'env' as const } : undefined;
        const report = await writeHtmlReport(reportFile, { store, ledger, buildId, asOf });
        io.err(
          `wrote the HTML report of build ${buildId} (${report.data.runs.length} runs, ${Math.round(report.bytes / 1024)} KB) to ${path.relative(io.cwd, reportFile)}`,
        );
      }
      if (values.json) {
        out(JSON.stringify(result));
        return skips.finish(result.summary.exit_code);
      }
      for (const s of result.shards)
        out(
          `shard ${s.shard.padEnd(7)} ${String(s.runs).padStart(7)} runs  exit ${s.exit_code}  ${s.started_at} → ${s.ended_at}  ${s.manifest_id}`,
        );
      for (const p of result.problems) out(`✗ ${p.message}`);
      if (result.ledger_skipped) out(`ledger: ${result.ledger_skipped}`);
      out(formatSummary(result.summary, store.name));
      return skips.finish(result.summary.exit_code);
    } finally {
      await ledger?.close();
    }
  } finally {
    await store.close();
  }
}

/** The usage text of merge. */
export function mergeUsage(): string {
  return `${helpText(mergeSpec, 'Usage: npm run lab -- merge --build-id ID [--store files|cosmos] [--dir DIR]')}\nExit codes: 0 every shard reported once, every run is stored once and matched its expected outcome;\n            1 a shard missing or run twice, a run missing or duplicated, a mismatch or a lab error;\n            2 bad input or configuration (no shard of the build in the store, say).\n`;
}
