import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { FailureEvent } from '../../src/contracts/failure-event.ts';
import { JSON_SCHEMAS, jsonSchemaOf } from '../../src/contracts/json-schemas.ts';
import { Scenario } from '../../src/contracts/scenario.ts';
import { TraceRecord } from '../../src/contracts/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

/** A real failing trace to mutate. */
async function sampleTrace(id: string): Promise<TraceRecord> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const loaded = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
  const { scenario } = loaded.find((l) => l.scenario.id === id)!;
  const server = await ScriptedModelServer.start();
  try {
    return (await runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server })).trace;
  } finally {
    await server.close();
  }
}

describe('contracts are strict', () => {
  it('rejects unknown keys at the top, in a step and in the failure', async () => {
    const trace = await sampleTrace('qa-cites-missing-doc');
    expect(TraceRecord.safeParse(trace).success).toBe(true);
    const extraTop = TraceRecord.safeParse({ ...trace, extra: 1 });
    expect(extraTop.success).toBe(false);
    expect(extraTop.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['extra'] });
    const extraStep = TraceRecord.safeParse({ ...trace, steps: [{ ...trace.steps[0], note: 'x' }] });
    expect(extraStep.success).toBe(false);
    const extraFailure = FailureEvent.safeParse({ ...trace.failure, hint: 'x' });
    expect(extraFailure.success).toBe(false);
  });

  it('pins schema_version to 4: a version 3 or 5 record is not a current TraceRecord', async () => {
    const trace = await sampleTrace('planner-valid-plan');
    expect(trace.schema_version).toBe(4);
    expect(TraceRecord.safeParse({ ...trace, schema_version: 3 }).success).toBe(false);
    expect(TraceRecord.safeParse({ ...trace, schema_version: 5 }).success).toBe(false);
  });

  it('ties a failure to its kind: a timeout without timeout details is invalid', async () => {
    const trace = await sampleTrace('qa-model-hangs');
    expect(trace.failure?.kind).toBe('timeout');
    const { timeout: _dropped, ...rest } = trace.failure as Extract<FailureEvent, { kind: 'timeout' }>;
    expect(FailureEvent.safeParse(rest).success).toBe(false);
    expect(FailureEvent.safeParse({ ...trace.failure, kind: 'pass' }).success).toBe(false);
  });

  it('rejects unknown keys in a scenario', () => {
    const result = Scenario.safeParse({
      id: 'a',
      subject: 'b',
      description: 'c',
      expected: null,
      input: {},
      deadline: 5,
    });
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['deadline'] });
  });
});

describe('JSON Schemas', () => {
  it.each(Object.keys(JSON_SCHEMAS))(
    'schemas/%s.schema.json matches the zod source (run npm run schemas after a contract change)',
    async (name) => {
      const committed = JSON.parse(await readFile(path.join(ROOT, 'schemas', `${name}.schema.json`), 'utf8'));
      expect(committed).toEqual(jsonSchemaOf(name as keyof typeof JSON_SCHEMAS));
    },
  );

  it('validates real traces with a JSON Schema validator and refuses unknown fields there too', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('uuid', /^[0-9a-f-]{36}$/i).addFormat('date-time', true);
    const schema = JSON.parse(await readFile(path.join(ROOT, 'schemas', 'trace-record.schema.json'), 'utf8'));
    const validate = ajv.compile(schema);
    for (const id of ['extractor-rate-limited', 'planner-valid-plan', 'qa-no-citations']) {
      const trace = await sampleTrace(id);
      expect(validate(JSON.parse(JSON.stringify(trace))), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...trace, surprise: true })).toBe(false);
    }
  });
});
