import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';

/** The project root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** What a CLI run printed and how it ended. */
export interface CliRun {
  stdout: string;
  stderr: string;
  code: number | null;
  /** Time from spawn to exit. */
  ms: number;
}

/** Runs `node src/cli/main.ts ...args` as a real process (the same Node that runs the tests). */
export function runCli(
  args: string[],
  { env = {}, cwd = ROOT, timeoutMs = 60_000 }: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`CLI ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, ms: performance.now() - started });
    });
  });
}

/**
 * Runs the CLI's `main(argv, io)` in this process, with the environment and working folder a
 * `runCli` child would get (PATH, HOME, `env`, and the folder's `.env` under them), and its output
 * captured. For tests that check what a command prints and its exit code: the same code runs without
 * a process start (a second or more each on a busy machine). Keep `runCli` where the process is the
 * point: signals, exit without a hang, piping, kills, output that bypasses the CLI's io
 * (a store's repair warnings on standard error), process-wide state (process.env).
 */
export async function runMain(
  args: string[],
  { env = {}, cwd = ROOT }: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  const { main } = await import('../../src/cli/main.ts');
  const dotEnv = existsSync(path.join(cwd, '.env')) ? parseEnv(await readFile(path.join(cwd, '.env'), 'utf8')) : {};
  let stdout = '';
  let stderr = '';
  const started = performance.now();
  const code = await main(args, {
    out: (text) => void (stdout += `${text}\n`),
    err: (text) => void (stderr += `${text}\n`),
    // As in the child: a variable already set wins over the .env file's (process.loadEnvFile).
    env: { ...dotEnv, PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    cwd,
  });
  return { stdout, stderr, code, ms: performance.now() - started };
}
