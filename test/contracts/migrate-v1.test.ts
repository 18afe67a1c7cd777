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

/** Runs at once: the runs were one at a time, 80 s of the suite mostly spent waiting on deadlines. */
const RUNS_AT_ONCE = 8;

/** `task` over every item, at most `limit` at once; the results in the items' order. */
async function mapAtMost<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

describe('reading TraceRecords of schema_version 1', () => {
  it('every shipped scenario: the version 1 form validates against the v1 contract and upgrades to the same record (build_id and replay null)', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const loaded = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      // Version 1 knew no conversations and no MCP servers (version 4): such runs cannot be told back, so they are not run.
      (l) => l.scenario.isolation !== 'worker' && !l.scenario.turns && !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    try {
      // RUNS_AT_ONCE runs at a time (most of a run is waiting: hangs, deadlines, command subjects'
      // processes); the records are compared after, in the scenarios' order. What is compared is the
      // record each run gave, whatever its label: a load-induced label would still round-trip.
      const traces = await mapAtMost(
        loaded,
        RUNS_AT_ONCE,
        async ({ scenario }) =>
          (await runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server })).trace,
      );
      const multiAgent: string[] = [];
      for (const [i, { scenario }] of loaded.entries()) {
        const trace = traces[i]!;
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
    // Hangs and command subjects among the runs: the limit is for a hang, not a speed check.
  }, 180_000);

  it('is read, never written: a store refuses to write a version 1 record, naming the versions it knows', () => {
    const v1 = { schema_version: 1, trace_id: 'x' };
    expect(() => readRecord(v1, 'k', 'write')).toThrow(/schema_version 1; this lab writes version 4 and reads 1 to 4/);
    expect(() => readRecord({ ...v1, schema_version: 7 }, 'k')).toThrow(/schema_version 7/);
  });
});
