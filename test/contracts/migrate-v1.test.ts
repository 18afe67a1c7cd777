import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { upgradeTraceRecordV1 } from '../../src/contracts/migrate-v1.ts';
import { TraceRecordV1 } from '../../src/contracts/v1/trace-record.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { readRecord } from '../../src/store/read-record.ts';
import { asVersion1 } from '../helpers/records.ts';
import { ROOT } from '../helpers/run-cli.ts';

describe('reading TraceRecords of schema_version 1', () => {
  it('every shipped scenario: the version 1 form validates against the v1 contract and upgrades to the same record (build_id and replay null)', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const loaded = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      // Version 1 knew no conversations and no MCP servers (version 4): such runs cannot be told back, so they are not run.
      (l) => l.scenario.isolation !== 'worker' && !l.scenario.turns && !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    try {
      const multiAgent: string[] = [];
      for (const { scenario } of loaded) {
        const { trace } = await runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server });
        // Version 1 named no agents: a multi-agent run's steps and location cannot be told back.
        // (An input guardrail of a multi-agent run trips before any step, but its location names the agent.)
        if (
          trace.steps.some((s) => s.agent !== null) ||
          (trace.failure !== null && trace.failure.location.agent !== trace.subject_id)
        ) {
          multiAgent.push(trace.subject_id);
          continue;
        }
        const v1 = TraceRecordV1.parse(asVersion1(trace));
        // Version 1 did not record the faults it injected: they come back as none.
        const upgraded = { ...trace, injected_faults: [] };
        expect(upgradeTraceRecordV1(v1), scenario.id).toEqual(upgraded);
        expect(readRecord(JSON.parse(JSON.stringify(v1)), 'k'), scenario.id).toEqual(upgraded);
      }
      expect(new Set(multiAgent)).toEqual(new Set(['agents-support-desk']));
    } finally {
      await server.close();
    }
    // Runs one at a time, hangs and command subjects among them: the limit is for a hang, not a speed check.
  }, 180_000);

  it('is read, never written: a store refuses to write a version 1 record, naming the versions it knows', () => {
    const v1 = { schema_version: 1, trace_id: 'x' };
    expect(() => readRecord(v1, 'k', 'write')).toThrow(/schema_version 1; this lab writes version 4 and reads 1 to 4/);
    expect(() => readRecord({ ...v1, schema_version: 7 }, 'k')).toThrow(/schema_version 7/);
  });
});
