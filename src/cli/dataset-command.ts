import path from 'node:path';
import { DATASET_FORMATS, type DatasetFormat, writeDataset } from '../dataset/write-dataset.ts';
import { parseSplits } from '../dataset/split.ts';
import { UsageError } from '../errors/usage-error.ts';
import { openStore } from '../store/stores.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';
import { storeName, storeOptions } from './store-options.ts';

/** The dataset command's flags. */
export const datasetSpec: CommandSpec = {
  name: 'dataset',
  summary:
    "Writes the stored runs as a labelled dataset for failure analyzers: blind traces (what the agent's own telemetry would hold, nothing of the lab's verdict, ids drawn anew) and their labels apart, split and stratified by kind and subject, with a manifest. Only runs detected as their scenario expected are written.",
  options: {
    ...storeOptions,
    out: { type: 'string', value: 'DIR', help: 'the folder to write (required); its split folders are replaced' },
    'build-id': { type: 'string', value: 'ID', help: 'only the runs of this build (default: every run in the store)' },
    split: {
      type: 'string',
      value: 'NAME=FRACTION,...',
      default: 'test=1',
      help: 'the splits and their fractions, adding up to 1, e.g. train=0.8,test=0.2 (default test=1)',
    },
    seed: {
      type: 'string',
      value: 'SEED',
      default: 'lab',
      help: 'the seed of the split and of the ids drawn anew: the same records and seed give the same files (default lab)',
    },
    format: {
      type: 'string',
      value: 'FORMAT',
      default: 'lab',
      help: "lab: <split>/traces.ndjson and <split>/labels.ndjson; trail: TRAIL's own layout, <split>/data/<trace_id>.json and <split>/annotations/<trace_id>.json (failures with a TRAIL category only) plus <split>/trail.jsonl",
    },
    scenarios: {
      type: 'string',
      value: 'DIR',
      env: 'LAB_SCENARIOS',
      default: 'scenarios',
      help: 'the scenario folder, hashed into the manifest when it exists',
    },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `dataset`; returns the exit code. */
export async function datasetCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(datasetSpec, argv, io.env);
  if (values.help) {
    io.out(
      `${helpText(datasetSpec, 'Usage: npm run lab -- dataset --out DIR [--store NAME] [--dir DIR] [--build-id ID] [--split NAME=FRACTION,...] [--seed SEED] [--format lab|trail]')}\nExit codes: 0 written; 1 a stored record could not be read; 2 bad input or configuration.\n`,
    );
    return 0;
  }
  if (typeof values.out !== 'string' || values.out === '')
    throw new UsageError({ message: 'dataset needs --out DIR: the folder to write the dataset to' });
  const format = String(values.format);
  if (!(DATASET_FORMATS as readonly string[]).includes(format))
    throw new UsageError({ message: `--format must be one of ${DATASET_FORMATS.join(', ')}, got "${format}"` });
  const splits = parseSplits(String(values.split));
  const name = storeName(values);
  const store = await openStore(name, { env: io.env, dir: path.resolve(io.cwd, String(values.dir)) });
  let manifest;
  try {
    manifest = await writeDataset({
      store,
      out: path.resolve(io.cwd, values.out),
      format: format as DatasetFormat,
      splits,
      seed: String(values.seed),
      ...(typeof values['build-id'] === 'string' ? { buildId: values['build-id'] } : {}),
      scenariosDir: path.resolve(io.cwd, String(values.scenarios)),
    });
  } finally {
    await store.close();
  }
  const written = Object.entries(manifest.splits).map(([n, s]) => `${n} ${s.traces}`);
  const left = manifest.left_out;
  io.err(
    `wrote ${written.join(', ')} trace${written.length === 1 && manifest.splits[splits[0]!.name]!.traces === 1 ? '' : 's'} (${format}) to ${values.out}; left out ${left.mismatched} detected otherwise than expected, ${left.live} live${format === 'trail' ? `, ${left.no_error} passing and ${left.unmapped} with no TRAIL category` : ''}`,
  );
  if (name === 'memory')
    io.err(
      'note: the memory store holds nothing from an earlier process: capture with --store files (or cosmos) first',
    );
  return 0;
}
