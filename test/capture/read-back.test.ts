import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { LabRecord } from '../../src/contracts/lab-record.ts';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { ROOT } from '../helpers/run-cli.ts';

/** A store that acknowledges every write but reads one run back altered, as a broken backend would. */
class AlteringStore extends MemoryStore {
  override async get(key: string): Promise<LabRecord | undefined> {
    const record = await super.get(key);
    return record && 'scenario_id' in record && record.scenario_id === 'qa-cites-missing-doc'
      ? { ...record, duration_ms: record.duration_ms + 1 }
      : record;
  }
}

describe("capture's read-back", () => {
  it('a record read back different from the one stored fails the capture (exit 1), names the record, and is recorded in the ledger as a failure of the capture', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter((l) =>
      ['qa-cites-missing-doc', 'qa-citation-exists'].includes(l.scenario.id),
    );
    const server = await ScriptedModelServer.start();
    const ledger = new MemoryLedger();
    try {
      const { results, summary } = await runCapture({
        scenarios,
        subjects,
        store: new AlteringStore(),
        model: server,
        ledger: {
          store: ledger,
          settings: {
            at: '2026-01-01T00:00:00.000Z',
            buildOwner: null,
            escalationContact: null,
            repeatWindowDays: 90,
            reporter: 't',
          },
        },
      });
      const altered = results.find((r) => r.scenario === 'qa-cites-missing-doc')!;
      expect(altered).toMatchObject({
        stored: true,
        retrieved: false,
        lab_error: { name: 'RetrievalMismatch', exit_code: 1 },
      });
      expect(altered.lab_error!.message).toBe(`record ${altered.failure_id} read back differs from the one stored`);
      expect(results.find((r) => r.scenario === 'qa-citation-exists')).toMatchObject({
        retrieved: true,
        lab_error: null,
      });
      expect(summary).toMatchObject({ runs: 2, retrieved: 1, exit_code: 1 });
      const recorded = (await ledger.query()).records;
      expect(recorded.map((r) => [r.lab.source, r.subcategory]).sort()).toEqual([
        ['capture', 'INTEGRATION_STATE_MISMATCH'],
        ['run', 'GOVERNANCE_ENFORCEMENT_GAP'],
      ]);
    } finally {
      await server.close();
    }
  });
});
