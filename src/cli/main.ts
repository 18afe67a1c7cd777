// Node caches the compiled code of every module imported from here on, across runs of the CLI.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import path from 'node:path';
import { LabError } from '../errors/lab-error.ts';
import { UsageError } from '../errors/usage-error.ts';
import { projectEnv } from '../config/project-config.ts';
import { createRedactor, secretsFromEnv } from '../internal/redact.ts';
import { type CliIo, processIo } from './io.ts';
import { restartWithLabYoungGeneration } from './young-generation.ts';

enableCompileCache();

/** A command: what it does, and its module, loaded only when it runs (so each command loads only what it uses). */
interface Command {
  summary: string;
  /** Runs subjects against deadlines, so it starts Node with the lab's young generation (young-generation.ts). */
  runsSubjects?: true;
  load: () => Promise<(argv: string[], io: CliIo) => Promise<number>>;
}

/** The CLI's commands, by name. */
export const CommandsMap = {
  init: {
    summary: 'write a lab config, an example subject and scenarios into this folder (never overwrites)',
    load: async () => (await import('./init-command.ts')).initCommand,
  },
  capture: {
    summary: 'run every scenario, detect, store, retrieve and print summaries',
    runsSubjects: true,
    load: async () => (await import('./capture-command.ts')).captureCommand,
  },
  merge: {
    summary: 'check a sharded capture (capture --shard) and record it as one build',
    load: async () => (await import('./merge-command.ts')).mergeCommand,
  },
  fuzz: {
    summary: 'search the faults around a passing scenario; shrink each failure to the faults it needs',
    runsSubjects: true,
    load: async () => (await import('./fuzz-command.ts')).fuzzCommand,
  },
  scenarios: {
    summary: 'check and list the scenario files',
    load: async () => (await import('./scenarios-command.ts')).scenariosCommand,
  },
  subjects: {
    summary: 'list the subjects, their tools and their input and output schemas',
    load: async () => (await import('./subjects-command.ts')).subjectsCommand,
  },
  export: {
    summary: 'write every stored record as NDJSON to stdout, for analyzers',
    load: async () => (await import('./export-command.ts')).exportCommand,
  },
  failures: {
    summary: 'the failure ledger: list, show, update, resolve, prevent, reproduce',
    load: async () => (await import('./failures-command.ts')).failuresCommand,
  },
  analytics: {
    summary: "write the failure ledger's analytics files",
    load: async () => (await import('./analytics-command.ts')).analyticsCommand,
  },
  dataset: {
    summary: 'write the stored runs as blind traces and their labels apart, for failure analyzers',
    load: async () => (await import('./dataset-command.ts')).datasetCommand,
  },
  score: {
    summary: "score an analyzer's predictions against a dataset's labels",
    load: async () => (await import('./score-command.ts')).scoreCommand,
  },
  report: {
    summary: 'write a report: the build as one HTML file, or the weekly or monthly failure report (Markdown)',
    load: async () => (await import('./report-command.ts')).reportCommand,
  },
} satisfies Record<string, Command>;

const USAGE = `Usage: npm run lab -- <command> [options]

Commands:
${Object.entries(CommandsMap)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run 'npm run lab -- <command> --help' for a command's options.
Exit codes: 0 all as expected; 1 a mismatch or a trace lost (fuzz: a finding); 2 bad input or configuration;
            3 a failure record changed since it was read (failures update, resolve, prevent).`;

/** Runs the CLI on argv and returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(CommandsMap, command))
      throw new UsageError({
        message: `unknown command "${command}". Available commands: ${Object.keys(CommandsMap).join(', ')}`,
      });
    const run = await CommandsMap[command as keyof typeof CommandsMap].load();
    // The project's lab.config.* settles what neither a flag nor the environment does.
    const { env } = await projectEnv(rest, io.cwd, io.env);
    return await run(rest, { ...io, env });
  } catch (error) {
    // Error text can quote anything (a URL with a key in it, say): it is redacted like a trace.
    const redact = createRedactor(secretsFromEnv(io.env));
    if (LabError.isInstance(error)) {
      io.err(`error: ${redact(error.message)}`);
      if (error instanceof UsageError)
        io.err(
          `Run 'npm run lab -- ${command && Object.hasOwn(CommandsMap, command) ? `${command} ` : ''}--help' for usage.`,
        );
      return error.exitCode;
    }
    io.err(
      `internal error (a bug in the lab): ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}`,
    );
    return 1;
  }
}

/**
 * Loads `.env` from the working folder when there is one, silently (README, "Configuration"). Node's
 * --env-file-if-exists says ".env not found" on every command without one. As with --env-file, a
 * variable already set in the environment wins.
 */
export function loadDotEnv(cwd: string): void {
  const file = path.join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * What the `lab` command does before `main` (bin/lab.js, and `node src/cli/main.ts`), never `main`
 * itself, which runs inside other programs too: a command that runs subjects starts Node again with
 * the lab's young generation (docs/timeouts.md, "Garbage collection").
 */
export function prepareProcess(argv: readonly string[]): void {
  const command = argv[0];
  const entry: Command | undefined =
    command !== undefined && Object.hasOwn(CommandsMap, command)
      ? CommandsMap[command as keyof typeof CommandsMap]
      : undefined;
  if (entry?.runsSubjects === true) restartWithLabYoungGeneration();
}

if (import.meta.main) {
  prepareProcess(process.argv.slice(2));
  loadDotEnv(process.cwd());
  process.exitCode = await main(process.argv.slice(2));
}
