import { FAILURE_KINDS } from '../contracts/failure-kind.ts';
import { type LabRecord, RECORD_TYPES, recordMeta, recordTypeOf } from '../contracts/lab-record.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { toTrailRow, type TrailSkip } from '../export/trail-format.ts';
import { IsoTime } from '../contracts/common.ts';
import { UsageError } from '../errors/usage-error.ts';
import { recordsOfFailure } from '../store/related-records.ts';
import { BUILD_ID } from '../ledger/build-id.ts';
import type { TracePage, TraceQuery } from '../store/trace-store.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { SkippedRecords } from './skipped-records.ts';
import { openStoreToRead, storeName, storeOptions } from './store-options.ts';

/** Records fetched per page while exporting. */
const EXPORT_PAGE = 500;

/** What export writes: every record as it is stored, or labelled runs in TRAIL's shape. */
const FORMATS = ['ndjson', 'trail'] as const;

/** The export command's flags. */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary:
    'Writes stored records as NDJSON to stdout, one per line: runs (TraceRecord) and the failure traces, recovery traces and fallback records derived from them, each valid against its schema in schemas/.',
  options: {
    ...storeOptions,
    type: {
      type: 'string',
      value: 'TYPE',
      help: `only records of this type: ${[...RECORD_TYPES, 'all'].join(', ')} (default all)`,
    },
    'failure-id': {
      type: 'string',
      value: 'ID',
      help: 'only what is stored about this failure: its run, its failure traces, and the recovery traces and fallback records they triggered',
    },
    kind: {
      type: 'string',
      value: 'KIND',
      help: `only runs detected as KIND: ${[...FAILURE_KINDS, 'pass'].join(', ')} (--kind, --subject and --scenario select runs only)`,
    },
    'build-id': {
      type: 'string',
      value: 'ID',
      help: "only this build's runs and shard manifests (the failure traces, recovery traces and fallbacks derived from a run are found with --failure-id)",
    },
    subject: { type: 'string', value: 'ID', help: 'only runs of this subject' },
    scenario: { type: 'string', value: 'ID', help: 'only runs of this scenario' },
    since: {
      type: 'string',
      value: 'TIME',
      help: 'only records started at or after this ISO 8601 UTC time, e.g. 2026-11-22T00:00:00Z',
    },
    format: {
      type: 'string',
      value: 'FORMAT',
      default: 'ndjson',
      help: 'ndjson (every record as stored, the default) or trail: one {"trace", "labels"} line per failed run as a row of the TRAIL dataset (both JSON strings: the blind trace in TRAIL\'s span shape, and its annotation); passing runs, runs whose label is not trustworthy and failures with no TRAIL category are left out and counted',
    },
    seed: {
      type: 'string',
      value: 'SEED',
      default: 'lab',
      help: 'trail: the seed the ids of the blind traces are drawn from (default lab), as in lab dataset',
    },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `export`; returns the exit code. A count goes to stderr so stdout stays pure NDJSON. */
export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(exportSpec, argv, io.env);
  if (values.help) {
    io.out(
      `${helpText(exportSpec, 'Usage: npm run lab -- export --store NAME [--dir DIR] [--format ndjson|trail] [--type TYPE] [--build-id ID] [--failure-id ID] [--kind KIND] [--since TIME]')}\nExit codes: 0 exported; 1 a stored record could not be read (it is named, skipped, and the rest exported); 2 bad input or configuration, or no store in --dir.\n`,
    );
    return 0;
  }
  const name = storeName(values);
  const format = String(values.format);
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError({ message: `--format must be one of ${FORMATS.join(', ')}, got "${format}"` });
  const trail = format === 'trail';
  const query: TraceQuery = { limit: EXPORT_PAGE, record_type: trail ? 'trace_record' : 'all' };
  if (typeof values.type === 'string') {
    if (![...RECORD_TYPES, 'all'].includes(values.type))
      throw new UsageError({
        message: `--type must be one of ${[...RECORD_TYPES, 'all'].join(', ')}, got "${values.type}"`,
      });
    if (trail && !['trace_record', 'all'].includes(values.type))
      throw new UsageError({
        message: `--format trail writes runs only: --type must be trace_record or all, got "${values.type}"`,
      });
    query.record_type = trail ? 'trace_record' : (values.type as TraceQuery['record_type']);
  }
  if (typeof values.kind === 'string') {
    if (![...FAILURE_KINDS, 'pass'].includes(values.kind))
      throw new UsageError({
        message: `--kind must be one of ${[...FAILURE_KINDS, 'pass'].join(', ')}, got "${values.kind}"`,
      });
    query.kind = values.kind as TraceQuery['kind'];
  }
  if (typeof values.since === 'string') {
    const since =
      values.since.endsWith('Z') && !values.since.includes('.') ? values.since.replace('Z', '.000Z') : values.since;
    if (!IsoTime.safeParse(since).success)
      throw new UsageError({
        message: `--since must be an ISO 8601 UTC time such as 2026-11-22T00:00:00Z, got "${values.since}"`,
      });
    query.since = new Date(since).toISOString();
  }
  if (typeof values['build-id'] === 'string') {
    if (!BUILD_ID.test(values['build-id']))
      throw new UsageError({
        message: `--build-id must be letters, digits, ".", "_", "-" or ":" (at most 128), got "${values['build-id']}"`,
      });
    query.build_id = values['build-id'];
  }
  if (typeof values.subject === 'string') query.subject_id = values.subject;
  if (typeof values.scenario === 'string') query.scenario_id = values.scenario;

  const skips = new SkippedRecords(io);
  const store = await openStoreToRead(values, io, { onSkip: skips.onSkip });
  let count = 0;
  const skipped: Record<TrailSkip, number> = { mismatched: 0, live: 0, no_error: 0, unmapped: 0 };
  const write = (records: readonly LabRecord[]) => {
    for (const record of records) {
      if (!trail) {
        io.out(JSON.stringify(record));
        count++;
        continue;
      }
      const row = toTrailRow(record as TraceRecord, String(values.seed));
      if (typeof row === 'string') skipped[row]++;
      else {
        io.out(JSON.stringify(row));
        count++;
      }
    }
  };
  try {
    const failureId = values['failure-id'];
    if (typeof failureId === 'string') {
      write(
        (await recordsOfFailure(store, failureId)).filter(
          (r) =>
            (query.record_type === 'all' || recordTypeOf(r) === query.record_type) &&
            (query.build_id === undefined || recordMeta(r).build_id === query.build_id),
        ),
      );
    } else {
      let cursor: string | null = null;
      do {
        const page: TracePage = await store.query({ ...query, cursor });
        write(page.records);
        cursor = page.cursor;
      } while (cursor);
    }
  } finally {
    await store.close();
  }
  if (trail) {
    io.err(
      `exported ${count} failed run${count === 1 ? '' : 's'} in TRAIL's shape from the ${name} store; left out ${skipped.no_error} passing, ${skipped.mismatched} whose detection differs from the scenario's expectation, ${skipped.live} live and ${skipped.unmapped} whose failure has no TRAIL category`,
    );
  } else io.err(`exported ${count} record${count === 1 ? '' : 's'} from the ${name} store`);
  return skips.finish(0);
}
