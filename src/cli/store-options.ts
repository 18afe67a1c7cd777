import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors/usage-error.ts';
import type { FailureLedger } from '../ledger-store/failure-ledger.ts';
import { openLedger } from '../ledger-store/ledgers.ts';
import { DEFAULT_FILES_DIR } from '../store/files-store.ts';
import { isStoreName, openStore, STORE_NAMES, type BuiltinStore } from '../store/stores.ts';
import type { SkippedRecord, TraceStore } from '../store/trace-store.ts';
import type { OpenMode } from '../internal/derived-index.ts';
import type { CliIo } from './io.ts';
import type { OptionSpec, OptionValues } from './options.ts';

/** The store a command uses when neither --store nor LAB_STORE names one. The one place this default lives. */
export const DEFAULT_STORE: BuiltinStore = 'memory';

/** The flags that say where the project's files are: its config, and its subjects (see src/config). */
export const projectOptions: Record<'config' | 'subjects', OptionSpec> = {
  config: {
    type: 'string',
    value: 'FILE',
    help: 'the project config (default: the nearest lab.config.ts, .js, .mjs or .json from here upward)',
    env: 'LAB_CONFIG',
  },
  subjects: {
    type: 'string',
    value: 'DIR',
    help: "folder of subject files (default: the config's subjects, else the lab's own)",
    env: 'LAB_SUBJECTS',
  },
};

/** The flags every command that opens a store takes. */
export const storeOptions: Record<'config' | 'store' | 'dir', OptionSpec> = {
  config: projectOptions.config,
  store: {
    type: 'string',
    value: 'NAME',
    help: `trace store: ${STORE_NAMES.join(', ')}`,
    env: 'LAB_STORE',
    default: DEFAULT_STORE,
  },
  dir: { type: 'string', value: 'DIR', help: 'folder of the files store', env: 'LAB_DIR', default: DEFAULT_FILES_DIR },
};

/** The --store value, checked before anything runs. */
export function storeName(values: Record<string, unknown>): BuiltinStore {
  const name = String(values.store);
  if (!isStoreName(name))
    throw new UsageError({ message: `unknown store "${name}". Available stores: ${STORE_NAMES.join(', ')}` });
  return name;
}

/** The --dir value, resolved against the command's working folder. */
export function storeDir(values: Record<string, unknown>, io: CliIo): string {
  return path.resolve(io.cwd, String(values.dir));
}

/**
 * The ways to give a command the store an earlier process wrote to, for the memory-store note.
 * A list, so another source of the store (a project config) adds its own way as one more entry.
 */
export const PERSISTENT_STORE_FIXES: string[] = [
  'give the capture and this command the same --store files (and --dir)',
];

/**
 * What a command that reads what an earlier process stored says on the memory store, where it can
 * find nothing: the memory store lives as long as its own process (README, "Trace stores").
 */
export function memoryStoreNote(): string {
  return `the memory store holds nothing from an earlier process (it lives only as long as its own); to read what a capture stored, ${PERSISTENT_STORE_FIXES.join(', or ')}`;
}

/** Prints the memory-store note on stderr when the command reads the memory store. */
export function noteIfMemory(name: BuiltinStore, io: CliIo): void {
  if (name === 'memory') io.err(`note: ${memoryStoreNote()}`);
}

/**
 * The store flags of this command as a command line, for hints that must work as printed: the
 * store's name, and for the files store its folder (relative to the working folder when inside it).
 */
export function storeFlags(values: Record<string, unknown>, io: CliIo): string {
  const name = storeName(values);
  if (name !== 'files') return `--store ${name}`;
  const dir = storeDir(values, io);
  const relative = path.relative(io.cwd, dir);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : dir;
  return `--store files --dir ${shellWord(shown || '.')}`;
}

/** A word a POSIX shell reads back as itself. */
export function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Checks that the files store a reading command names exists: reading never creates a store, so a
 * mistyped --dir is bad input (exit 2), not an empty store.
 */
export function checkStoreToRead(values: OptionValues, io: CliIo): void {
  if (storeName(values) !== 'files') return;
  const dir = storeDir(values, io);
  const isFolder = existsSync(dir) && statSync(dir).isDirectory();
  if (!isFolder || !['records', 'failures', 'index.sqlite'].some((entry) => existsSync(path.join(dir, entry))))
    throw new UsageError({
      message: `--dir ${dir}: ${isFolder ? 'this folder is not a files store (it has no records/ or failures/)' : existsSync(dir) ? 'not a folder' : 'no such folder'}; give the --dir the capture wrote to (capture --store files --dir DIR)`,
    });
}

/** Opens the trace store a reading command names (see checkStoreToRead), with the memory-store note. */
export async function openStoreToRead(
  values: OptionValues,
  io: CliIo,
  { onSkip }: { onSkip?: (skipped: SkippedRecord) => void } = {},
): Promise<TraceStore> {
  checkStoreToRead(values, io);
  const name = storeName(values);
  noteIfMemory(name, io);
  // Opened for reading: nothing is created or written (docs/stores.md).
  return openStore(name, { env: io.env, dir: storeDir(values, io), mode: 'read', ...(onSkip ? { onSkip } : {}) });
}

/** Opens the failure ledger a reading command names (see checkStoreToRead); the note is the caller's. */
export async function openLedgerToRead(
  values: OptionValues,
  io: CliIo,
  { onSkip, mode = 'read' }: { onSkip?: (skipped: SkippedRecord) => void; mode?: OpenMode } = {},
): Promise<FailureLedger> {
  checkStoreToRead(values, io);
  return openLedger(storeName(values), {
    env: io.env,
    dir: storeDir(values, io),
    mode,
    ...(onSkip ? { onSkip } : {}),
  });
}
