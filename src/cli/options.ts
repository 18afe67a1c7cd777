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
  /** The flag may be given several times; its value is then a list. */
  multiple?: boolean;
}

/** A command of the CLI, declared as data so --help and parsing cannot drift apart. */
export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments, in order (a failure id, say); none unless listed. */
  positionals?: { name: string; help: string }[];
}

/** Parsed flags: a string, a boolean, a list (a flag given several times), or undefined. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Parses argv against a command's table: flags, then environment, then defaults. Bad flags are a UsageError. */
export function parseCommand<V extends OptionValues = Record<string, string | boolean | undefined>>(
  spec: CommandSpec,
  argv: string[],
  env: NodeJS.ProcessEnv,
): V & { _: string[] } {
  let values: OptionValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(spec.options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
        ]),
      ),
      strict: true,
      allowPositionals: (spec.positionals?.length ?? 0) > 0,
    }) as { values: OptionValues; positionals: string[] });
  } catch (error) {
    const message = (error as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/^Unknown option/, 'unknown flag');
    throw new UsageError({ message: `${spec.name}: ${message}` });
  }
  for (const [name, o] of Object.entries(spec.options)) {
    // A boolean's variable is on when it says true or 1 (the project config writes "true").
    if (values[name] === undefined && o.env && env[o.env])
      values[name] = o.type === 'boolean' ? /^(true|1)$/i.test(env[o.env]!) || undefined : env[o.env];
    if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
  }
  const expected = spec.positionals ?? [];
  if (positionals.length > expected.length)
    throw new UsageError({
      message: `${spec.name}: unexpected argument "${positionals[expected.length]}"${expected.length ? ` (it takes ${expected.map((p) => p.name).join(' ')})` : ''}`,
    });
  return Object.assign(values, { _: positionals }) as V & { _: string[] };
}

/** Reads a positive integer option, or fails naming the flag. */
export function intOption(
  values: OptionValues,
  name: string,
  { min = 1, max = Number.MAX_SAFE_INTEGER } = {},
): number | undefined {
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
    const extra = [
      o.env ? `env ${o.env}` : '',
      o.default !== undefined ? `default ${o.default}` : '',
      o.multiple ? 'may be repeated' : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `  ${flag.padEnd(30)} ${o.help}${extra ? ` (${extra})` : ''}`;
  });
  const args = (spec.positionals ?? []).map((p) => `  ${p.name.padEnd(30)} ${p.help}`);
  return `${usage}\n\n${spec.summary}\n${args.length ? `\nArguments:\n${args.join('\n')}\n` : ''}\nOptions:\n${rows.join('\n')}\n`;
}
