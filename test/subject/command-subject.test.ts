import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { ToolScriptError } from '../../src/errors/tool-script-error.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { ledgerSettingsFromEnv } from '../../src/ledger/ledger-settings.ts';
import { reproduceScenario } from '../../src/ledger/reproduce.ts';
import { openLedger } from '../../src/ledger-store/ledgers.ts';
import { openStore } from '../../src/store/stores.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { loadCommandSubject } from '../../src/subject/command-subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

// Real processes: python3 (Debian's, standard library only) and node, talking HTTP to the lab.
let server: ScriptedModelServer;
let subjects: Map<string, Subject>;

beforeAll(async () => {
  server = await ScriptedModelServer.start();
  subjects = await loadSubjects(path.join(ROOT, 'subjects'));
});
afterAll(() => server.close());

async function shipped(id: string, overrides: Partial<Record<string, unknown>> = {}) {
  const scenario = Scenario.parse({
    ...JSON.parse(await readFile(path.join(ROOT, 'scenarios', `${id}.json`), 'utf8')),
    ...overrides,
  });
  return runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server });
}

const stepsOf = (trace: { steps: { type: string }[] }, type: string): any[] =>
  trace.steps.filter((s) => s.type === type);

describe('command subjects', { timeout: 120_000 }, () => {
  it('loads .subject.yaml and .subject.json files beside the TypeScript subjects', () => {
    expect(subjects.get('py-calculator')?.tools?.map((t) => t.name)).toEqual(['calculate']);
    expect(subjects.has('node-calculator')).toBe(true);
    expect(subjects.has('py-hostile')).toBe(true);
    // The file's schema is what the subjects command shows and the scenario loader checks paths against.
    expect(z.toJSONSchema(subjects.get('py-calculator')!.outputSchema)).toMatchObject({
      properties: { result: { type: 'number' } },
      required: ['result', 'explanation'],
    });
  });

  it('control: a Python agent passes; its model calls and tool calls are steps and the tool result grounds the answer', async () => {
    const { event, trace } = await shipped('py-calc-control');
    expect(event).toBeNull();
    expect(JSON.parse(trace.output!.text)).toEqual({ result: 56, explanation: '(3 + 4) * 8 = 56' });
    const calls = stepsOf(trace, 'model_call') as { http_status: number | null; tool_calls: unknown[] }[];
    expect(calls.map((c) => c.http_status)).toEqual([200, 200]);
    expect(calls[0]!.tool_calls).toHaveLength(1);
    const tools = stepsOf(trace, 'tool_call') as { tool: string; status: string }[];
    expect(tools.map((t) => [t.tool, t.status])).toEqual([['calculate', 'ok']]);
  });

  it('near miss: the same answer after a tool error is a hallucination (no source holds 56)', async () => {
    const { event } = await shipped('py-calc-tool-error-invented');
    expect(event?.kind).toBe('hallucination_flag');
  });

  it("past the fixtures, the tool's own command answers (a Python script), and its result grounds the answer", async () => {
    const { event, trace } = await shipped('py-calc-tool-command-control');
    expect(event).toBeNull();
    expect(stepsOf(trace, 'tool_call')).toHaveLength(1);
  });

  it('a call past the fixtures of a tool with no command is a fault of the scenario (exit 2), naming the tool and the call', async () => {
    const error = await shipped('node-calc-control', { tools: {} }).catch((e: unknown) => e);
    expect(ToolScriptError.isInstance(error)).toBe(true);
    expect((error as ToolScriptError).exitCode).toBe(2);
    expect((error as Error).message).toContain('call 1 of the tool "calculate"');
  });

  for (const id of ['py-calc-429-exhausted', 'node-calc-429'])
    it(`${id}: the endpoint's 429 keeps its status and class, though the agent's own error is generic`, async () => {
      const { event, trace } = await shipped(id);
      expect(event?.kind).toBe('exception');
      const error = event?.kind === 'exception' ? event.error : null;
      expect(error).toMatchObject({ class: 'RateLimitError', status: 429 });
      expect(error?.message).toMatch(/^the endpoint answered 429 and then the agent exited with code 1; stderr tail:/);
      expect(event?.taxonomy.trail?.path).toContain('Rate Limiting');
      expect((stepsOf(trace, 'model_call') as { http_status: number }[]).at(-1)?.http_status).toBe(429);
    });

  it('near miss: a 429 the agent retries past is a pass', async () => {
    const { event, trace } = await shipped('py-calc-429-retried');
    expect(event).toBeNull();
    expect((stepsOf(trace, 'model_call') as { http_status: number }[]).map((s) => s.http_status)).toEqual([
      429, 200, 200,
    ]);
  });

  it('output that breaks output_schema is a validation_error (Python and Node)', async () => {
    for (const id of ['py-calc-output-breaks-schema', 'node-calc-output-breaks-schema']) {
      const { event } = await shipped(id);
      expect(event?.kind, id).toBe('validation_error');
    }
  });

  it('control: the Node agent passes, inline even when worker isolation is asked for (a process is isolated already)', async () => {
    const scenario = Scenario.parse(
      JSON.parse(await readFile(path.join(ROOT, 'scenarios', 'node-calc-control.json'), 'utf8')),
    );
    const { event, trace } = await runWithFailureDetection(subjects.get('node-calculator')!, scenario, {
      model: server,
      isolation: 'worker',
    });
    expect(event).toBeNull();
    expect(trace.run.isolation).toBe('inline');
  });

  it('a non-zero exit, a signal and stdout that is not JSON are exceptions with the exit code or signal and the stderr tail', async () => {
    const crash = await shipped('py-hostile-crash');
    expect(crash.event?.kind === 'exception' && crash.event.error).toMatchObject({
      class: 'CommandExitError',
      code: 'exit 3',
    });
    expect(crash.event?.kind === 'exception' && crash.event.error.message).toContain('RuntimeError: boom');
    const signal = await shipped('py-hostile-signal');
    expect(signal.event?.kind === 'exception' && signal.event.error.code).toBe('SIGTERM');
    const text = await shipped('py-hostile-not-json');
    expect(text.event?.kind === 'exception' && text.event.error).toMatchObject({ code: 'stdout_not_json' });
    expect((await shipped('py-hostile-ok')).event).toBeNull();
  });

  it('a hung agent is a timeout, and its whole process group is gone after the deadline (no orphan)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-hang-'));
    const pidFile = path.join(dir, 'pids');
    process.env.HOSTILE_PID_FILE = pidFile;
    try {
      // Long enough for python3 to start and fork on a busy machine; the pid file proves it did.
      const { event } = await shipped('py-hostile-hang', { deadline_ms: 15_000 });
      expect(event?.kind).toBe('timeout');
      expect(existsSync(pidFile)).toBe(true);
      const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
      expect(pids).toHaveLength(2);
      // SIGKILL is sent to the group at the deadline; the kernel reaps asynchronously, so wait for it, bounded.
      const alive = (pid: number) => {
        try {
          return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 200 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      delete process.env.HOSTILE_PID_FILE;
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('failures reproduce of a command-subject run replays its recorded replies and tool results with the same label; a run that asked the model nothing is refused with the reason', async () => {
    const loaded = await Promise.all(
      ['py-calc-tool-error-invented', 'node-calc-429', 'py-hostile-crash'].map(async (id) => {
        const file = path.join(ROOT, 'scenarios', `${id}.json`);
        return { file, scenario: Scenario.parse(JSON.parse(await readFile(file, 'utf8'))) };
      }),
    );
    const store = await openStore('memory', { env: {}, dir: '' });
    const ledger = await openLedger('memory', { env: {}, dir: '' });
    try {
      const { results } = await runCapture({
        scenarios: loaded,
        subjects,
        store,
        model: server,
        recordReplies: true,
        ledger: { store: ledger, settings: ledgerSettingsFromEnv({}) },
        projectRoot: ROOT,
      });
      expect(results.map((r) => [r.scenario, r.detected, r.matched])).toEqual([
        ['py-calc-tool-error-invented', 'hallucination_flag', true],
        ['node-calc-429', 'exception', true],
        ['py-hostile-crash', 'exception', true],
      ]);
      const failures = (await ledger.query({})).records.filter((f) => f.lab.source === 'run');
      const traces = (await store.query({ limit: 500 })).records as TraceRecord[];
      const traceOf = (scenarioId: string) => {
        const failure = failures.find((f) => f.lab.scenario_id === scenarioId)!;
        return { failure, trace: traces.find((t) => t.trace_id === failure.lab.trace_id && 'steps' in t)! };
      };
      for (const id of ['py-calc-tool-error-invented', 'node-calc-429']) {
        const { failure, trace } = traceOf(id);
        const reproduced = Scenario.parse(reproduceScenario(failure, trace));
        if (id === 'py-calc-tool-error-invented') {
          // The tool's recorded error is its fixture: without it the answer would be grounded.
          expect(reproduced.tools).toEqual({ calculate: [{ error: 'calculator offline' }] });
          expect(reproduced.model.replies).toHaveLength(2);
        } else expect(reproduced.model.replies.at(-1)).toEqual({ fault: { status: 429 } });
        const again = await runWithFailureDetection(subjects.get(reproduced.subject)!, reproduced, { model: server });
        expect(again.event?.kind, id).toBe(trace.detected);
        if (again.event?.kind === 'exception')
          expect(again.event.error).toMatchObject({ class: 'RateLimitError', status: 429 });
      }
      const { failure, trace } = traceOf('py-hostile-crash');
      expect(() => reproduceScenario(failure, trace)).toThrow(
        /recorded no model exchange.*OPENAI_BASE_URL the lab gives it/s,
      );
    } finally {
      await store.close();
      await ledger.close();
    }
  });

  it('a broken subject file names the file and the field', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-subject-'));
    try {
      const file = path.join(dir, 'broken.subject.yaml');
      await writeFile(file, 'id: broken\ndescription: x\ncommand: []\ninput_schema: {}\noutput_schema: {}\n');
      const error = await loadCommandSubject(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ScenarioSetError);
      expect((error as ScenarioSetError).message).toContain(file);
      expect((error as ScenarioSetError).message).toContain('command');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
