import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { normalizeRecord } from '../helpers/normalize.ts';
import { ROOT } from '../helpers/run-cli.ts';

describe('determinism', () => {
  it('every shipped scenario gives the same record on a second run, apart from ids, timestamps and durations', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const loaded = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
    const server = await ScriptedModelServer.start();
    try {
      // Inline runs all at once; worker runs one at a time, as capture bounds them (to cores − 1):
      // a dozen workers starting together on two cores starve the main thread that answers them.
      const run = ({ scenario }: (typeof loaded)[number]) => runWithFailureDetection(subjects.get(scenario.subject)!, scenario, { model: server });
      const runAll = async () => {
        const inline = Promise.all(loaded.map((l) => (l.scenario.isolation === 'worker' ? null : run(l))));
        const workers: (Awaited<ReturnType<typeof run>> | null)[] = [];
        for (const l of loaded) workers.push(l.scenario.isolation === 'worker' ? await run(l) : null);
        return (await inline).map((r, i) => r ?? workers[i]!);
      };
      const first = await runAll();
      const second = await runAll();
      for (let i = 0; i < loaded.length; i++) {
        expect(first[i]!.trace.detected, loaded[i]!.scenario.id).toBe(loaded[i]!.scenario.expected);
        expect(normalizeRecord(second[i]!.trace), loaded[i]!.scenario.id).toEqual(normalizeRecord(first[i]!.trace));
      }
    } finally {
      await server.close();
    }
  });
});
