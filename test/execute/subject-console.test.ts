import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { asLab } from '../../src/execute/subject-console.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { scenario } from '../helpers/scenario.ts';

// What reaches the process's own output, recorded before the lab wraps anything.
const written: string[] = [];
const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
const consoleOriginals = { log: console.log, warn: console.warn, error: console.error };
for (const stream of [process.stdout, process.stderr])
  stream.write = ((chunk: unknown) => (written.push(String(chunk)), true)) as typeof stream.write;
for (const method of ['log', 'warn', 'error'] as const)
  console[method] = (...args: unknown[]) => void written.push(args.map(String).join(' '));

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
  Object.assign(process.stdout, { write: originals.stdout });
  Object.assign(process.stderr, { write: originals.stderr });
  Object.assign(console, consoleOriginals);
});

const subject = (run: Subject['run']): Subject => ({
  id: 'noisy',
  description: 'prints',
  inputSchema: z.unknown(),
  outputSchema: z.unknown(),
  run,
});

describe("nothing a subject or its framework prints reaches the lab's output", () => {
  it('console calls and direct writes of an inline run are dropped, during the run and after its deadline; the lab still prints', async () => {
    let printedLate!: () => void;
    const late = new Promise<void>((resolve) => (printedLate = resolve));
    const noisy = subject(async () => {
      console.warn('subject-marker warn');
      console.log('subject-marker log');
      process.stderr.write('subject-marker stderr\n');
      await Promise.resolve();
      console.error('subject-marker after an await');
      // The lab's own output, written from the subject's context (a warning about its rejection), still shows.
      asLab(() => process.stderr.write('lab-marker from the subject context\n'));
      // Still printing after the run was cut off at its deadline, as the Agents SDK does.
      setTimeout(() => {
        console.warn('subject-marker late');
        process.stdout.write('subject-marker late stdout\n');
        printedLate();
      }, 100);
      await new Promise(() => {});
    });
    const { event } = await runWithFailureDetection(
      noisy,
      scenario({ id: 'noisy', subject: 'noisy', deadline_ms: 20, expected: 'timeout' }),
      { model: server },
    );
    expect(event?.kind).toBe('timeout');
    await late;
    console.warn('lab-marker warn');
    process.stderr.write('lab-marker stderr\n');
    expect(written.filter((w) => w.includes('subject-marker'))).toEqual([]);
    expect(written.filter((w) => w.includes('lab-marker'))).toEqual([
      'lab-marker from the subject context\n',
      'lab-marker warn',
      'lab-marker stderr\n',
    ]);
  });
});
