import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
import { type LabConfig, LabConfigSchema } from './lab-config.ts';

/** The config file names looked for in each folder, in this order. */
export const CONFIG_FILES = ['lab.config.ts', 'lab.config.mts', 'lab.config.js', 'lab.config.mjs', 'lab.config.json'];

/** The folder of the lab's own package (src/config/../.. here, dist/config/../.. when installed). */
export const LAB_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A config file, read and checked. */
export interface ProjectConfig {
  file: string;
  /** The config's folder, which its relative folders are resolved against. */
  dir: string;
  config: LabConfig;
}

/** The nearest config file from `cwd` upward, or null. */
export function findConfigFile(cwd: string): string | null {
  for (let dir = path.resolve(cwd); ; ) {
    for (const name of CONFIG_FILES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Reads and checks one config file; a broken one is a ConfigError naming the file, the key and the fix. */
export async function readProjectConfig(file: string): Promise<ProjectConfig> {
  let raw: unknown;
  try {
    if (file.endsWith('.json')) raw = JSON.parse(await readFile(file, 'utf8'));
    else raw = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new ConfigError({
      message: `cannot load the lab config ${file}: ${(error as Error).message}`,
      cause: error,
    });
  }
  if (raw === undefined)
    throw new ConfigError({
      message: `the lab config ${file} has no default export: export default defineConfig({ subjects, scenarios, ... })`,
    });
  const parsed = LabConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError({
      message: `the lab config ${file} is not valid:\n${z.prettifyError(parsed.error)}\n(the keys are in docs/own-agent.md)`,
    });
  return { file, dir: path.dirname(file), config: parsed.data };
}

/**
 * The project config for a command: `--config FILE` (or LAB_CONFIG) when given, else the nearest
 * lab.config.* from the working directory upward, else none (the lab's own repository has none,
 * and then everything works from the defaults).
 */
export async function loadProjectConfig(cwd: string, given?: string): Promise<ProjectConfig | null> {
  if (given) {
    const file = path.resolve(cwd, given);
    if (!existsSync(file)) throw new ConfigError({ message: `--config: the file ${file} does not exist` });
    return readProjectConfig(file);
  }
  const found = findConfigFile(cwd);
  return found ? readProjectConfig(found) : null;
}

/**
 * A config as the environment variables the CLI already reads, so one rule gives precedence:
 * flags, then the real environment (which is laid over these), then the config, then defaults.
 */
export function configEnv({ dir, config }: ProjectConfig): Record<string, string> {
  const env: Record<string, string> = {};
  const folder = (value: string | undefined) => (value === undefined ? undefined : path.resolve(dir, value));
  const set = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) env[name] = String(value);
  };
  set('LAB_SUBJECTS', folder(config.subjects));
  set('LAB_SCENARIOS', folder(config.scenarios));
  set('LAB_STORE', config.store);
  set('LAB_DIR', folder(config.dir));
  set('LAB_CONCURRENCY', config.concurrency);
  set('LAB_ISOLATION', config.isolation);
  if (config.recordReplies) set('LAB_RECORD_REPLIES', 'true');
  if (config.ledger?.enabled === false) set('LAB_NO_LEDGER', 'true');
  set('LAB_REPEAT_WINDOW_DAYS', config.ledger?.repeatWindowDays);
  set('LAB_BUILD_OWNER', config.ledger?.buildOwner);
  set('LAB_ESCALATION_CONTACT', config.ledger?.escalationContact);
  return env;
}

/** The value of `--config FILE` (or `--config=FILE`) in argv, else LAB_CONFIG, else undefined. */
export function configFlag(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--config') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return env.LAB_CONFIG || undefined;
}

/** The environment a command runs with: the real one laid over the project config's settings. */
export async function projectEnv(
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ env: NodeJS.ProcessEnv; config: ProjectConfig | null }> {
  const config = await loadProjectConfig(cwd, configFlag(argv, env));
  if (!config) return { env, config };
  const layered: NodeJS.ProcessEnv = { ...configEnv(config) };
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') layered[name] = value;
  return { env: layered, config };
}

/** The subjects folder: --subjects / LAB_SUBJECTS / the config's, else the lab's own subjects/. */
export function subjectsDirOf(value: unknown, cwd: string): string {
  const dir = typeof value === 'string' && value !== '' ? path.resolve(cwd, value) : path.join(LAB_ROOT, 'subjects');
  if (!existsSync(dir))
    throw new ConfigError({
      message: `the subjects folder ${dir} does not exist: set subjects in lab.config.ts (npx lab init writes one), or pass --subjects DIR`,
    });
  return dir;
}
