import { ConfigError } from '../errors/config-error.ts';
import type { OpenMode, Warn } from '../internal/derived-index.ts';
import type { SkippedRecord } from '../store/trace-store.ts';
import { DEFAULT_FILES_DIR } from '../store/files-store.ts';
import { cosmosLedgerConfigFromEnv } from './cosmos-ledger-config.ts';
import type { FailureLedger } from './failure-ledger.ts';
import { MemoryLedger } from './memory-ledger.ts';

/** What a failure ledger may be configured from (as a trace store is). */
export interface LedgerOptions {
  env: NodeJS.ProcessEnv;
  /** --dir, the files store's folder; the ledger lives in its failures/ (default .lab-traces). */
  dir?: string;
  /** `read` for a command that only reads: nothing is written, and a folder without a store is refused (exit 2). */
  mode?: OpenMode;
  /** Where a ledger says what it repaired or skipped (standard error by default). */
  warn?: Warn;
  /** Called for each record a query skips because it cannot be read. */
  onSkip?: (skipped: SkippedRecord) => void;
}

/**
 * The built-in FailureLedger backends, by the same names as the trace stores. Backends with heavy
 * dependencies are imported when chosen, so the others start fast.
 */
export const LedgersMap = {
  memory: async (_options: LedgerOptions): Promise<FailureLedger> => new MemoryLedger(),
  files: async ({ dir, mode, warn, onSkip }: LedgerOptions): Promise<FailureLedger> =>
    (await import('./files-ledger.ts')).FilesLedger.open(dir ?? DEFAULT_FILES_DIR, { mode, warn, onSkip }),
  cosmos: async ({ env, onSkip }: LedgerOptions): Promise<FailureLedger> => {
    const config = cosmosLedgerConfigFromEnv(env); // Fails before connecting when a variable is missing.
    return (await import('./cosmos-ledger.ts')).CosmosLedger.open(config, { onSkip });
  },
} satisfies Record<string, (options: LedgerOptions) => Promise<FailureLedger>>;

/** The name of a built-in ledger. */
export type BuiltinLedger = keyof typeof LedgersMap;

/** The names a ledger is chosen by. */
export const LEDGER_NAMES = Object.keys(LedgersMap) as BuiltinLedger[];

/** True for the name of a built-in ledger. */
export function isLedgerName(name: string): name is BuiltinLedger {
  return Object.hasOwn(LedgersMap, name);
}

/** Opens a failure ledger by name; an unknown name fails with the list of known ones. */
export async function openLedger(name: string, options: LedgerOptions): Promise<FailureLedger> {
  if (!isLedgerName(name))
    throw new ConfigError({
      message: `unknown failure ledger "${name}". Available ledgers: ${LEDGER_NAMES.join(', ')}`,
    });
  return LedgersMap[name](options);
}
