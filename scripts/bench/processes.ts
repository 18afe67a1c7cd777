// Whole processes, timed and measured from outside: what a user waits for, and the peak memory the
// kernel saw (VmHWM in /proc, read while the process lives).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** How a process went: its exit code, wall time and peak resident memory (MB; null where /proc is not there). */
export interface ProcessRun {
  code: number | null;
  ms: number;
  peakRssMb: number | null;
  stderr: string;
}

/** Runs `node args` (the Node that runs the bench) with its output discarded but for stderr's end. */
export function runNode(
  args: string[],
  { env = {}, cwd = ROOT }: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ProcessRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let peak: number | null = null;
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const poll = setInterval(() => {
      void readFile(`/proc/${child.pid}/status`, 'utf8').then(
        (status) => {
          const kb = /VmHWM:\s+(\d+) kB/.exec(status);
          if (kb) peak = Math.max(peak ?? 0, Number(kb[1]) / 1024);
        },
        () => {},
      );
    }, 100);
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, ms: performance.now() - started, peakRssMb: peak, stderr });
    });
  });
}

/** The CLI's entry point. */
export const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');
