import path from 'node:path';
import { FAILURE_KINDS } from '../contracts/failure-kind.ts';
import { IsoTime } from '../contracts/common.ts';
import { UsageError } from '../errors/usage-error.ts';
import { openStore } from '../store/stores.ts';
import type { TraceQuery } from '../store/trace-store.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { storeName, storeOptions } from './store-options.ts';

/** Records fetched per page while exporting. */
const EXPORT_PAGE = 500;

/** The export command's flags. */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'Writes every stored TraceRecord as NDJSON to stdout, one record per line, each valid against schemas/trace-record.schema.json.',
  options: {
    ...storeOptions,
    kind: { type: 'string', value: 'KIND', help: `only records detected as KIND: ${[...FAILURE_KINDS, 'pass'].join(', ')}` },
    subject: { type: 'string', value: 'ID', help: 'only records of this subject' },
    scenario: { type: 'string', value: 'ID', help: 'only records of this scenario' },
    since: { type: 'string', value: 'TIME', help: 'only runs started at or after this ISO 8601 UTC time, e.g. 2026-11-22T00:00:00Z' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `export`; returns the exit code. A count goes to stderr so stdout stays pure NDJSON. */
export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(exportSpec, argv, io.env);
  if (values.help) {
    io.out(`${helpText(exportSpec, 'Usage: npm run lab -- export --store NAME [--dir DIR] [--kind KIND] [--since TIME]')}\nExit codes: 0 exported; 1 a stored record could not be read (its key is named); 2 bad input or configuration.\n`);
    return 0;
  }
  const name = storeName(values);
  const query: TraceQuery = { limit: EXPORT_PAGE };
  if (typeof values.kind === 'string') {
    if (![...FAILURE_KINDS, 'pass'].includes(values.kind)) throw new UsageError({ message: `--kind must be one of ${[...FAILURE_KINDS, 'pass'].join(', ')}, got "${values.kind}"` });
    query.kind = values.kind as TraceQuery['kind'];
  }
  if (typeof values.since === 'string') {
    const since = values.since.endsWith('Z') && !values.since.includes('.') ? values.since.replace('Z', '.000Z') : values.since;
    if (!IsoTime.safeParse(since).success) throw new UsageError({ message: `--since must be an ISO 8601 UTC time such as 2026-11-22T00:00:00Z, got "${values.since}"` });
    query.since = new Date(since).toISOString();
  }
  if (typeof values.subject === 'string') query.subject_id = values.subject;
  if (typeof values.scenario === 'string') query.scenario_id = values.scenario;

  const store = await openStore(name, { env: io.env, dir: path.resolve(io.cwd, String(values.dir)) });
  let count = 0;
  try {
    let cursor: string | null = null;
    do {
      const page = await store.query({ ...query, cursor });
      for (const record of page.records) io.out(JSON.stringify(record));
      count += page.records.length;
      cursor = page.cursor;
    } while (cursor);
  } finally {
    await store.close();
  }
  io.err(`exported ${count} record${count === 1 ? '' : 's'} from the ${name} store`);
  return 0;
}
