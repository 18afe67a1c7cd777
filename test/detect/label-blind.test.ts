import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_KINDS } from '../../src/contracts/failure-kind.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

describe('the detector never reads the label', () => {
  it('every fast shipped scenario, relabelled with a wrong kind, is still detected as its true kind, and its record keeps the wrong label as expected', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const loaded = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      // Command and MCP subjects start processes: a dozen at once would starve the 5 s deadlines of the
      // rest on a small machine; the detector they go through is the same (test/subject/command-subject.test.ts,
      // test/mcp/mcp-faults.test.ts).
      (l) =>
        l.scenario.isolation !== 'worker' &&
        l.scenario.deadline_ms >= 5000 &&
        !l.scenario.tags.includes('command') &&
        !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    try {
      const results = await Promise.all(
        loaded.map(async ({ scenario }) => {
          const wrong =
            scenario.expected === null ? FAILURE_KINDS[0] : scenario.expected === 'timeout' ? null : 'timeout';
          const { trace } = await runWithFailureDetection(
            subjects.get(scenario.subject)!,
            { ...scenario, expected: wrong },
            { model: server },
          );
          return { id: scenario.id, truth: scenario.expected, wrong, trace };
        }),
      );
      expect(results.length).toBeGreaterThan(100);
      for (const { id, truth, wrong, trace } of results) {
        expect(trace.detected, id).toBe(truth);
        expect(trace.expected, id).toBe(wrong);
      }
    } finally {
      await server.close();
    }
  }, 60_000);
});
