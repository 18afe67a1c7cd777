import { ConfigError } from '../errors/config-error.ts';
import { MemoryStore } from './memory-store.ts';
import type { TraceStore } from './trace-store.ts';

/** What a store may be configured from. */
export interface StoreOptions {
  env: NodeJS.ProcessEnv;
  /** --dir, for stores kept in a folder. */
  dir?: string;
}

/** The built-in TraceStore backends, by the name --store and LAB_STORE take. */
export const StoresMap = {
  memory: async (_options: StoreOptions): Promise<TraceStore> => new MemoryStore(),
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
  if (!isStoreName(name)) throw new ConfigError({ message: `unknown store "${name}". Available stores: ${STORE_NAMES.join(', ')}` });
  return StoresMap[name](options);
}
