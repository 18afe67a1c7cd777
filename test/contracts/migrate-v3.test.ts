import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { upgradeTraceRecordV3 } from '../../src/contracts/migrate-v3.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecordV3 } from '../../src/contracts/v3/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { readRecord } from '../../src/store/read-record.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { asVersion3, makeRecord } from '../helpers/records.ts';
import { ROOT } from '../helpers/run-cli.ts';

/** Runs of shipped scenarios: a pass, each failure kind, a recovery, and a conversation. */
async function traces(ids: readonly string[]) {
  const catalog = await SubjectCatalog.open(path.join(ROOT, 'subjects'));
  const scenarios = await Promise.all(
    ids.map(async (id) =>
      Scenario.parse(JSON.parse(await readFile(path.join(ROOT, 'scenarios', `${id}.json`), 'utf8'))),
    ),
  );
  const subjects = await catalog.load(new Set(scenarios.map((s) => s.subject)));
  const server = await ScriptedModelServer.start();
  try {
    return await Promise.all(
      scenarios.map(async (s) => (await runWithFailureDetection(subjects.get(s.subject)!, s, { model: server })).trace),
    );
  } finally {
    await server.close();
  }
}

describe('reading TraceRecords of schema_version 3', () => {
  it('a run outside a conversation: the version 3 form validates (zod and the published schema) and upgrades to the same record, turn null', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('uuid', /^[0-9a-f-]{36}$/i).addFormat('date-time', true);
    const validate = ajv.compile(
      JSON.parse(await readFile(path.join(ROOT, 'schemas', 'trace-record.v3.schema.json'), 'utf8')),
    );
    const runs = await traces([
      'calculator-correct',
      'extractor-rate-limited',
      'weather-tool-hangs',
      'extractor-missing-field',
      'calculator-misreports-result',
    ]);
    expect(runs.map((r) => r.detected)).toEqual([
      null,
      'exception',
      'timeout',
      'validation_error',
      'hallucination_flag',
    ]);
    for (const trace of runs) {
      const v3 = JSON.parse(JSON.stringify(asVersion3(trace)));
      expect(validate(v3), JSON.stringify(validate.errors)).toBe(true);
      // Version 3 recorded no injected faults: the upgrade says so with [] (the script's faults are not guessed).
      const upgraded = { ...trace, injected_faults: [] };
      expect(upgradeTraceRecordV3(TraceRecordV3.parse(v3)), trace.scenario_id).toEqual(upgraded);
      expect(readRecord(v3, 'k'), trace.scenario_id).toEqual(upgraded);
    }
  });

  it('version 3 knew no conversations: a record with turn steps or a turn is not a version 3 record', async () => {
    const [conversation] = await traces(['conv-weather-503-in-turn-2']);
    expect(TraceRecordV3.safeParse({ ...conversation, schema_version: 3 }).success).toBe(false);
    expect(TraceRecordV3.safeParse(asVersion3(conversation!)).success).toBe(false); // its turn steps remain
  });

  it('a tool call: upgraded with mcp null, and the record with injected_faults []; a record with an MCP call is not version 3', () => {
    const record = makeRecord({ kind: 'exception' });
    const tool = {
      ...record.steps[0]!,
      index: 1,
      type: 'tool_call' as const,
      name: 'execute_tool calculate',
      tool: 'calculate',
      call_id: 'call_1',
      declared: true,
      arguments: { type: 'object' as const, text: '{}', bytes: 2, truncated: false, sha256: null },
      result: null,
      mcp: null,
    };
    const { check: _c, passed: _p, detail: _d, ...toolStep } = tool as Record<string, unknown>;
    const current = TraceRecord.parse({ ...record, steps: [record.steps[0], toolStep] });
    const v3 = asVersion3(current);
    expect(TraceRecordV3.safeParse(v3).success).toBe(true);
    expect(TraceRecord.safeParse(v3).success).toBe(false);
    expect(upgradeTraceRecordV3(TraceRecordV3.parse(v3))).toEqual(current);
    expect(readRecord(v3, 'k')).toEqual(current);
    // A version 3 record never had an MCP call: one with mcp is not version 3.
    expect(TraceRecordV3.safeParse({ ...v3, steps: current.steps }).success).toBe(false);
  });
});
