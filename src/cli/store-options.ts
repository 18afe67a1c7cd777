import { UsageError } from '../errors/usage-error.ts';
import { DEFAULT_FILES_DIR } from '../store/files-store.ts';
import { isStoreName, STORE_NAMES, type BuiltinStore } from '../store/stores.ts';
import type { OptionSpec } from './options.ts';

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
    default: 'memory',
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
