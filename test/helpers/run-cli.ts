import { spawn } from 'node:child_process';
import path from 'node:path';

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
