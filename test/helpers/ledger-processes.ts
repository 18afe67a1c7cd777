import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './run-cli.ts';

const FIXTURE = path.join(ROOT, 'test/fixtures/ledger-updater.ts');

/** Where the writer processes find the ledger: a files folder, or a Cosmos environment. */
export interface LedgerTarget {
  backend: 'files' | 'cosmos';
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

/** What one writer process printed and how it ended. */
export interface WriterRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

function start(
  target: LedgerTarget,
  args: string[],
): { child: ChildProcessWithoutNullStreams; done: Promise<WriterRun>; line: (text: string) => Promise<void> } {
  const child = spawn(process.execPath, [FIXTURE, target.backend, target.dir ?? '-', ...args], {
    env: { ...process.env, ...target.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const w of waiters.filter((w) => stdout.split('\n').includes(w.text))) w.resolve();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<WriterRun>((resolve) =>
    child.on('close', (code) => {
      for (const w of waiters) w.resolve(); // A process that died never prints; its output says why.
      resolve({ stdout, stderr, code });
    }),
  );
  const line = (text: string) => new Promise<void>((resolve) => waiters.push({ text, resolve }));
  return { child, done, line };
}

/**
 * Starts `processes` writers that each add `updates` tags to one record through updateFailure,
 * lets them all go at once when every one has opened the ledger, and waits for them all.
 */
export async function runUpdaters(
  target: LedgerTarget,
  failureId: string,
  { processes, updates, attempts }: { processes: number; updates: number; attempts: number },
): Promise<WriterRun[]> {
  const writers = Array.from({ length: processes }, (_, p) =>
    start(target, ['update', failureId, String(updates), `p${p}`, String(attempts)]),
  );
  await Promise.all(writers.map((w) => w.line('ready')));
  for (const w of writers) w.child.stdin.end('go\n');
  return Promise.all(writers.map((w) => w.done));
}

/** One replace by another process, on `expectedRevision`, adding `tag`. */
export function runReplace(
  target: LedgerTarget,
  failureId: string,
  expectedRevision: number,
  tag: string,
): Promise<WriterRun> {
  const writer = start(target, ['replace', failureId, String(expectedRevision), tag]);
  writer.child.stdin.end();
  return writer.done;
}
