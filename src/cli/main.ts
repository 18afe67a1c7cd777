import { LabError } from '../errors/lab-error.ts';
import { UsageError } from '../errors/usage-error.ts';
import { createRedactor, secretsFromEnv } from '../internal/redact.ts';
import { captureCommand } from './capture-command.ts';
import { analyticsCommand } from './analytics-command.ts';
import { exportCommand } from './export-command.ts';
import { failuresCommand } from './failures-command.ts';
import { type CliIo, processIo } from './io.ts';
import { reportCommand } from './report-command.ts';
import { scenariosCommand } from './scenarios-command.ts';
import { subjectsCommand } from './subjects-command.ts';

/** The CLI's commands, by name. */
export const CommandsMap = {
  capture: { run: captureCommand, summary: 'run every scenario, detect, store, retrieve and print summaries' },
  scenarios: { run: scenariosCommand, summary: 'check and list the scenario files' },
  subjects: { run: subjectsCommand, summary: 'list the subjects, their tools and their input and output schemas' },
  export: { run: exportCommand, summary: 'write every stored record as NDJSON to stdout, for analyzers' },
  failures: { run: failuresCommand, summary: 'the failure ledger: list, show, update, resolve, prevent, reproduce' },
  analytics: { run: analyticsCommand, summary: "write the failure ledger's analytics files" },
  report: { run: reportCommand, summary: 'write the weekly or monthly failure report (Markdown)' },
} satisfies Record<string, { run: (argv: string[], io: CliIo) => Promise<number>; summary: string }>;

const USAGE = `Usage: npm run lab -- <command> [options]

Commands:
${Object.entries(CommandsMap)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run 'npm run lab -- <command> --help' for a command's options.
Exit codes: 0 all as expected; 1 a mismatch or a trace lost; 2 bad input or configuration;
            3 a failure record changed since it was read (failures update, resolve, prevent).`;

/** Runs the CLI on argv and returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(CommandsMap, command)) throw new UsageError({ message: `unknown command "${command}". Available commands: ${Object.keys(CommandsMap).join(', ')}` });
    return await CommandsMap[command as keyof typeof CommandsMap].run(rest, io);
  } catch (error) {
    // Error text can quote anything (a URL with a key in it, say): it is redacted like a trace.
    const redact = createRedactor(secretsFromEnv(io.env));
    if (LabError.isInstance(error)) {
      io.err(`error: ${redact(error.message)}`);
      if (error instanceof UsageError) io.err(`Run 'npm run lab -- ${command && Object.hasOwn(CommandsMap, command) ? `${command} ` : ''}--help' for usage.`);
      return error.exitCode;
    }
    io.err(`internal error (a bug in the lab): ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
