import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { lastCompleteAttempts } from '../../src/report/build-attempts.ts';
import { makeRecord } from '../helpers/records.ts';

/** Runs of one attempt of build `build`: scenarios s0..s(n-1), starting at minute `start`. */
function attempt(build: string | null, attemptId: string | null, n: number, start: number): TraceRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    ...makeRecord({
      scenario: `s${i}`,
      buildId: build,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, start, i)).toISOString(),
    }),
    attempt_id: attemptId,
  }));
}

describe('the runs that stand for a build: its last complete attempt', () => {
  it('keeps the last complete attempt, sets the others aside and says so, and leaves runs outside builds alone', () => {
    const killed = attempt('b', 'a1', 2, 0); // cut short: 2 of 4 scenarios
    const first = attempt('b', 'a2', 4, 10);
    const second = attempt('b', 'a3', 4, 20);
    const cutLater = attempt('b', 'a4', 3, 30); // the latest, but incomplete
    const other = attempt('c', 'x', 3, 0);
    const loose = attempt(null, null, 2, 0);
    const all = [...killed, ...first, ...second, ...cutLater, ...other, ...loose];
    const { runs, choices } = lastCompleteAttempts(all);
    expect(runs).toEqual([...second, ...other, ...loose]);
    expect(choices).toEqual([{ build_id: 'b', attempt_id: 'a3', attempts: 4, set_aside: 2 + 4 + 3 }]);
  });

  it('with no complete attempt, the one with the most runs; version 2 runs (no attempt id) are one attempt', () => {
    const a = attempt('b', 'a1', 3, 0).slice(1); // s1, s2
    const b = attempt('b', 'a2', 2, 10); // s0, s1
    const c = attempt('b', 'a3', 1, 20); // s0
    expect(lastCompleteAttempts([...a, ...b, ...c]).runs).toEqual(b);
    const old = attempt('b', null, 3, 0);
    expect(lastCompleteAttempts(old)).toEqual({ runs: old, choices: [] });
  });
});
