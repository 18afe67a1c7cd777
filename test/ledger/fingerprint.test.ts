import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { fingerprint, normalizeMessage } from '../../src/ledger/fingerprint.ts';
import { captureSignals } from '../../src/ledger/failure-signals.ts';
import { runOccurrence } from '../../src/ledger/occurrence.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

describe('fingerprints', () => {
  it('every shipped scenario that fails gets the same fingerprint on every run, and fingerprints are versioned', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const loaded = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      // MCP subjects start two processes a run: all at once they would starve the rest (test/mcp covers them).
      (l) =>
        l.scenario.expected !== null &&
        l.scenario.isolation !== 'worker' &&
        l.scenario.deadline_ms >= 5000 &&
        !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    try {
      const fingerprintOf = async (l: (typeof loaded)[number]) => {
        const { trace, related } = await runWithFailureDetection(subjects.get(l.scenario.subject)!, l.scenario, {
          model: server,
        });
        return runOccurrence(trace, related, { file: null, tags: [], triage: {} })?.fingerprint;
      };
      const first = await Promise.all(loaded.map(fingerprintOf));
      const second = await Promise.all(loaded.map(fingerprintOf));
      expect(loaded.length).toBeGreaterThan(40);
      loaded.forEach((l, i) => {
        expect(first[i], l.scenario.id).toMatch(/^fp1:[0-9a-f]{32}$/);
        expect(second[i], l.scenario.id).toBe(first[i]);
      });
    } finally {
      await server.close();
    }
  }, 60_000);

  it('normalizes what changes between occurrences, and keeps what does not', () => {
    expect(
      normalizeMessage(
        'no forecast for "Paris" at 2026-11-22T10:00:00.000Z, id 8cede75f-25ca-4fa1-bc48-96512f33f504, took 123.4 ms',
      ),
    ).toBe(
      normalizeMessage(
        'no forecast for "Lima" at 2025-01-01T00:00:00Z, id 00000000-0000-4000-8000-000000000000, took 9 ms',
      ),
    );
    expect(normalizeMessage('card declined')).not.toBe(normalizeMessage('card expired'));
    const mismatch = (scenario: string, expected: 'timeout' | null) =>
      fingerprint(
        captureSignals({ capture: 'mismatch', subject: 's', scenario, expected, detected: 'exception', message: 'm' }),
      );
    expect(mismatch('a', null)).toBe(mismatch('a', null));
    expect(mismatch('a', null)).not.toBe(mismatch('b', null));
    expect(mismatch('a', null)).not.toBe(mismatch('a', 'timeout'));
  });
});
