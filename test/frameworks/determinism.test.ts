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

// The framework scenarios alone, as test/capture/determinism-under-load.test.ts runs every
// scenario: the SDKs add ids, retries, streams and hand-offs of their own, none of which may make
// two runs of one scenario differ.
describe('framework subjects are deterministic under load', () => {
  it.each(['inline', 'worker'] as const)(
    '--repeat N --concurrency 16 over every fw- scenario (%s): the same classification and record each time',
    async (isolation) => {
      const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
      const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter((l) =>
        l.scenario.id.startsWith('fw-'),
      );
      const repeat = isolation === 'inline' ? 50 : 5;
      const server = await ScriptedModelServer.start();
      const store = new MemoryStore();
      try {
        const { summary } = await runCapture({
          scenarios,
          subjects,
          store,
          model: server,
          concurrency: 16,
          repeat,
          isolation,
        });
        expect(summary).toMatchObject({ runs: scenarios.length * repeat, mismatched: 0, lab_errors: 0, exit_code: 0 });
        const byScenario = new Map<string, TraceRecord[]>();
        for (const record of await queryAll(store, { limit: 1000 }))
          byScenario.set(record.scenario_id, [...(byScenario.get(record.scenario_id) ?? []), record]);
        expect(byScenario.size).toBe(scenarios.length);
        // Nothing but ids and times differs: not even a warm worker's fresh copy of the subject file
        // (imported with a query that changes every run), which stacks leave out.
        const normalize = (record: TraceRecord) =>
          normalizeRecord({ ...record, run: { ...record.run, repeat_index: 0 } });
        for (const [id, records] of byScenario) {
          expect(records, id).toHaveLength(repeat);
          const first = normalize(records[0]!);
          for (const record of records.slice(1)) expect(normalize(record), id).toEqual(first);
        }
      } finally {
        await store.close();
        await server.close();
      }
    },
    240_000,
  );
});
