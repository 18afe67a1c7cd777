import { ConfigError } from '../errors/config-error.ts';
import type { OpenMode, Warn } from '../internal/derived-index.ts';
import type { SkippedRecord } from './trace-store.ts';
import { cosmosConfigFromEnv } from './cosmos-config.ts';
import { DEFAULT_FILES_DIR } from './files-store.ts';
import { MemoryStore } from './memory-store.ts';
import type { TraceStore } from './trace-store.ts';

/** What a store may be configured from. */
export interface StoreOptions {
  env: NodeJS.ProcessEnv;
  /** --dir, for the files store (default .lab-traces). */
  dir?: string;
  /**
   * `read` for a command that only reads: the files store then writes nothing (a read-only or
   * full disk is fine) and refuses a folder without a store (exit 2); `write` (the default) creates it.
   */
  mode?: OpenMode;
  /** Where a store says what it repaired or skipped (standard error by default). */
  warn?: Warn;
  /** Called for each record a query skips because it cannot be read. */
  onSkip?: (skipped: SkippedRecord) => void;
}

/**
 * The built-in TraceStore backends, by the name --store and LAB_STORE take. Backends with heavy
 * dependencies are imported when chosen, so the others start fast.
 */
export const StoresMap = {
  memory: async (_options: StoreOptions): Promise<TraceStore> => new MemoryStore(),
  files: async ({ dir, mode, warn, onSkip }: StoreOptions): Promise<TraceStore> =>
    (await import('./files-store.ts')).FilesStore.open(dir ?? DEFAULT_FILES_DIR, { mode, warn, onSkip }),
  cosmos: async ({ env, onSkip }: StoreOptions): Promise<TraceStore> => {
    const config = cosmosConfigFromEnv(env); // Fails before connecting when a variable is missing.
    return (await import('./cosmos-store.ts')).CosmosStore.open(config, { onSkip });
  },
} satisfies Record<string, (options: StoreOptions) => Promise<TraceStore>>;

/** The name of a built-in store. */
export type BuiltinStore = keyof typeof StoresMap;

/** The names --store accepts. */
export const STORE_NAMES = Object.keys(StoresMap) as BuiltinStore[];

/** True for the name of a built-in store. */
export function isStoreName(name: string): name is BuiltinStore {
  return Object.hasOwn(StoresMap, name);
}

/** Opens a store by name; an unknown name fails with the list of known ones. */
export async function openStore(name: string, options: StoreOptions): Promise<TraceStore> {
  if (!isStoreName(name))
    throw new ConfigError({ message: `unknown store "${name}". Available stores: ${STORE_NAMES.join(', ')}` });
  return StoresMap[name](options);
}
