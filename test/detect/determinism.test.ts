import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { normalizeRecord } from '../helpers/normalize.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { queryAll } from '../store/trace-store-contract.ts';

describe('determinism', () => {
  it('every shipped scenario but the MCP ones gives the same record on a second capture, apart from ids, timestamps and durations', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    // The MCP scenarios start two processes a run: test/mcp/mcp-faults.test.ts runs each twice and compares.
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      (l) => !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    try {
      const capture = async () => {
        const store = new MemoryStore();
        const { summary } = await runCapture({ scenarios, subjects, store, model: server, concurrency: 8 });
        expect(summary).toMatchObject({ runs: scenarios.length, mismatched: 0, lab_errors: 0 });
        const byScenario = new Map(
          (await queryAll<TraceRecord>(store, { limit: 1000 })).map((r) => [
            r.scenario_id,
            normalizeRecord({ ...r, build_id: '<build>' }),
          ]),
        );
        await store.close();
        return byScenario;
      };
      const first = await capture();
      const second = await capture();
      for (const { scenario } of scenarios)
        expect(second.get(scenario.id), scenario.id).toEqual(first.get(scenario.id));
    } finally {
      await server.close();
    }
  }, 120_000);
});
