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

/**
 * Runs of each scenario, 16 at once: about 2,900 runs. Enough for every scenario to meet every
 * other's load many times over; 50 took four and a half minutes of the suite on two cores.
 */
const REPEAT = 15;

describe('determinism under load', () => {
  it('--repeat 15 --concurrency 16 over every scenario: each run of a scenario has the same classification and record', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    // Command subjects start a process per run (and per tool command), MCP subjects two (the relay
    // and the server): 15 repetitions of each would cost minutes of process starts on a small
    // machine; test/detect/determinism.test.ts covers them.
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      (l) => !l.scenario.tags.includes('command') && !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    const store = new MemoryStore();
    try {
      const { summary } = await runCapture({
        scenarios,
        subjects,
        store,
        model: server,
        concurrency: 16,
        repeat: REPEAT,
        keepResults: false,
      });
      expect(summary).toMatchObject({ runs: scenarios.length * REPEAT, mismatched: 0, lab_errors: 0, exit_code: 0 });
      const byScenario = new Map<string, TraceRecord[]>();
      for (const record of await queryAll(store, { limit: 1000 }))
        byScenario.set(record.scenario_id, [...(byScenario.get(record.scenario_id) ?? []), record]);
      expect(byScenario.size).toBe(scenarios.length);
      for (const [id, records] of byScenario) {
        expect(records, id).toHaveLength(REPEAT);
        const first = normalizeRecord({ ...records[0], run: { ...records[0]!.run, repeat_index: 0 } });
        for (const record of records.slice(1))
          expect(normalizeRecord({ ...record, run: { ...record.run, repeat_index: 0 } }), id).toEqual(first);
      }
    } finally {
      await store.close();
      await server.close();
    }
    // About a minute on two idle cores; the limit is for a hang, not a speed check.
  }, 900_000);
});
