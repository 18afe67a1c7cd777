import { parseArgs } from 'node:util';
import { UsageError } from '../errors/usage-error.ts';

/** One flag of a command: its parseArgs type, its help line, and an optional environment fallback. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  help: string;
  /** Shown in --help as the value's placeholder. */
  value?: string;
  env?: string;
  default?: string;
}

/** A command of the CLI, declared as data so --help and parsing cannot drift apart. */
export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
}

/** Parses argv against a command's table: flags, then environment, then defaults. Bad flags are a UsageError. */
export function parseCommand(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv): Record<string, string | boolean | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown flag');
    throw new UsageError({ message: `${spec.name}: ${message}` });
  }
  for (const [name, o] of Object.entries(spec.options)) {
    if (values[name] === undefined && o.env && env[o.env]) values[name] = env[o.env];
    if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
  }
  return values;
}

/** Reads a positive integer option, or fails naming the flag. */
export function intOption(values: Record<string, string | boolean | undefined>, name: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new UsageError({ message: `--${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"` });
  }
  return n;
}

/** The --help text of a command, from its table. */
export function helpText(spec: CommandSpec, usage: string): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const extra = [o.env ? `env ${o.env}` : '', o.default !== undefined ? `default ${o.default}` : ''].filter(Boolean).join('; ');
    return `  ${flag.padEnd(30)} ${o.help}${extra ? ` (${extra})` : ''}`;
  });
  return `${usage}\n\n${spec.summary}\n\nOptions:\n${rows.join('\n')}\n`;
}
