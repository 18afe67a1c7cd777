import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import type { TraceStep } from '../../src/contracts/trace-step.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadCommandSubject } from '../../src/subject/command-subject.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { scenario } from '../helpers/scenario.ts';

// Real processes (node), one per conversation, one JSON line per turn each way.
let server: ScriptedModelServer;
let chat: Subject;
let dir: string;

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  chat = await loadCommandSubject(path.join(ROOT, 'subjects', 'node-calc-chat.subject.yaml'));
  dir = await mkdtemp(path.join(os.tmpdir(), 'lab-conversation-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function shipped(id: string) {
  const parsed = Scenario.parse(JSON.parse(await readFile(path.join(ROOT, 'scenarios', `${id}.json`), 'utf8')));
  return runWithFailureDetection(chat, parsed, { model: server });
}

const turnStatuses = (steps: readonly TraceStep[]) => steps.filter((s) => s.type === 'turn').map((s) => s.status);

/** A command subject that converses, from a Node program written by the test. */
async function agent(id: string, program: string): Promise<Subject> {
  await writeFile(path.join(dir, `${id}.mjs`), program);
  const file = path.join(dir, `${id}.subject.yaml`);
  await writeFile(
    file,
    `id: ${id}\ndescription: test\ncommand: [node, ${id}.mjs]\nconversation: true\ninput_schema: {}\noutput_schema: {}\n`,
  );
  return loadCommandSubject(file);
}

describe('command subjects that converse', { timeout: 60_000 }, () => {
  it('a 500 in turn 2 is an exception of the SDK class for the status, located at turn 2; turn 3 still answers', async () => {
    const { event, trace } = await shipped('node-chat-500-in-turn-2');
    expect(TraceRecord.parse(trace)).toEqual(trace);
    expect(event?.kind === 'exception' && [event.error.class, event.error.status]).toEqual([
      'InternalServerError',
      500,
    ]);
    expect(event?.location.turn).toBe(2);
    expect(trace.steps[event!.location.step_index!]).toMatchObject({ type: 'model_call', turn: 2, http_status: 500 });
    expect(turnStatuses(trace.steps)).toEqual(['ok', 'error', 'ok']);
    expect(trace.steps.filter((s) => s.type === 'tool_call').map((s) => [s.turn, s.status])).toEqual([
      [1, 'ok'],
      [3, 'ok'],
    ]);
  });

  it('control: a 429 in turn 2 gets an apology and turn 3 answers', async () => {
    const { event, trace } = await shipped('node-chat-429-recovers-in-turn-3');
    expect(event).toBeNull();
    expect(turnStatuses(trace.steps)).toEqual(['ok', 'ok', 'ok']);
    const second = trace.steps.filter((s) => s.type === 'turn')[1]!;
    expect(second.type === 'turn' && JSON.parse(second.reply!.text).answer).toMatch(/^Sorry/);
    expect(JSON.parse(trace.output!.text)).toEqual({ answer: 'That makes 42.' });
  });

  it('keeps one process for the whole conversation, sends one line per turn, and leaves no process behind', async () => {
    const subject = await agent(
      'echo-turns',
      `import { createInterface } from 'node:readline';
       let seen = 0;
       for await (const line of createInterface({ input: process.stdin })) {
         const { turn, message, input } = JSON.parse(line);
         seen++;
         process.stdout.write(JSON.stringify({ reply: { pid: process.pid, turn, message, input, seen } }) + '\\n');
       }`,
    );
    const { event, trace } = await runWithFailureDetection(
      subject,
      scenario({
        id: 'echo-turns',
        subject: 'echo-turns',
        input: { who: 'Ada' },
        turns: [{ user: 'one' }, { user: 'two' }, { user: 'three' }],
      }),
      { model: server },
    );
    expect(event).toBeNull();
    const replies = trace.steps.flatMap((s) => (s.type === 'turn' ? [JSON.parse(s.reply!.text)] : []));
    expect(replies.map(({ pid: _, ...r }) => r)).toEqual([
      { turn: 1, message: 'one', input: { who: 'Ada' }, seen: 1 },
      { turn: 2, message: 'two', input: { who: 'Ada' }, seen: 2 },
      { turn: 3, message: 'three', input: { who: 'Ada' }, seen: 3 },
    ]);
    expect(new Set(replies.map((r) => r.pid)).size).toBe(1);
    // stdin closed, the process exited before the run ended (a zombie is gone too: /proc has no entry, or it is reaped).
    const pid = replies[0].pid as number;
    let gone = false;
    try {
      gone = /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      gone = true;
    }
    expect(gone).toBe(true);
  });

  it('a process that lingers after its input ends does not make a finished conversation a timeout', async () => {
    const subject = await agent(
      'lingers',
      `import { createInterface } from 'node:readline';
       setInterval(() => {}, 1000); // never exits by itself
       createInterface({ input: process.stdin }).on('line', () => process.stdout.write('{"reply": "ok"}\\n'));`,
    );
    const { event, trace } = await runWithFailureDetection(
      subject,
      scenario({ id: 'lingers', subject: 'lingers', turns: [{ user: 'a' }, { user: 'b' }] }),
      { model: server },
    );
    expect(event).toBeNull();
    expect(turnStatuses(trace.steps)).toEqual(['ok', 'ok']);
  });

  it('a process that exits in turn 2 fails turn 2 (and the turns after it): an exception with the exit code, at turn 2', async () => {
    const subject = await agent(
      'dies-in-turn-2',
      `import { createInterface } from 'node:readline';
       for await (const line of createInterface({ input: process.stdin })) {
         const { turn } = JSON.parse(line);
         if (turn === 2) { console.error('giving up'); process.exit(3); }
         process.stdout.write(JSON.stringify({ reply: 'ok' }) + '\\n');
       }`,
    );
    const { event, trace } = await runWithFailureDetection(
      subject,
      scenario({
        id: 'dies',
        subject: 'dies-in-turn-2',
        expected: 'exception',
        turns: [{ user: 'one' }, { user: 'two' }, { user: 'three' }],
      }),
      { model: server },
    );
    expect(event?.kind === 'exception' && event.error.class).toBe('CommandExitError');
    expect(event?.kind === 'exception' && event.error.message).toMatch(
      /exited with code 3 before it answered turn 2; stderr tail:\ngiving up/,
    );
    expect(event?.location).toMatchObject({ turn: 2, step_index: null });
    expect(turnStatuses(trace.steps)).toEqual(['ok', 'error', 'error']);
  });

  it('a turn the agent reports as {"error": ...} is that turn\'s error, and the next turn goes on', async () => {
    const subject = await agent(
      'reports-error',
      `import { createInterface } from 'node:readline';
       for await (const line of createInterface({ input: process.stdin })) {
         const { turn } = JSON.parse(line);
         process.stdout.write(JSON.stringify(turn === 1 ? { error: 'no idea' } : { reply: 'fine' }) + '\\n');
       }`,
    );
    const { event, trace } = await runWithFailureDetection(
      subject,
      scenario({
        id: 'reports',
        subject: 'reports-error',
        expected: 'exception',
        turns: [{ user: 'a' }, { user: 'b' }],
      }),
      { model: server },
    );
    expect(event?.kind === 'exception' && event.error.message).toBe('no idea');
    expect(event?.location.turn).toBe(1);
    expect(turnStatuses(trace.steps)).toEqual(['error', 'ok']);
  });
});
