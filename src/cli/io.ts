import { asLab } from '../execute/subject-console.ts';

/** Where a CLI command reads its environment and writes its output; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The process's own streams and environment. A reader that goes away (`| head`) ends the CLI quietly. */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    // Written as the lab even when called from a subject's async context (whose own output is dropped).
    out: (text) => asLab(() => process.stdout.write(`${text}\n`)),
    err: (text) => asLab(() => process.stderr.write(`${text}\n`)),
    env: process.env,
    cwd: process.cwd(),
  };
}
