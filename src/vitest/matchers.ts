import type { FailureKind } from '../contracts/failure-kind.ts';
import type { ScenarioRun } from './run-scenarios.ts';

/** What the matchers accept: a ScenarioRun, a TraceRecord, or a capture result (anything with `detected`). */
type Detected = { detected: FailureKind | null; failure?: unknown; message?: string | null };

function detectedOf(received: unknown): Detected | null {
  if (!received || typeof received !== 'object') return null;
  const run = received as Partial<ScenarioRun> & Partial<Detected>;
  if (run.trace && typeof run.trace === 'object') return run.trace as unknown as Detected;
  if (run.result && typeof run.result === 'object') return run.result as unknown as Detected;
  if ('detected' in run) return run as Detected;
  return null;
}

/** The detected kind, the message and the evidence of a run, for a failure message (bounded). */
export function describeRun(received: unknown): string {
  const d = detectedOf(received);
  if (!d) return `not a run: ${String(received)}`;
  const failure = d.failure as { message?: string; [key: string]: unknown } | null | undefined;
  const message = failure?.message ?? d.message ?? null;
  const evidence = failure
    ? JSON.stringify(
        Object.fromEntries(
          Object.entries(failure).filter(([k]) =>
            ['kind', 'source', 'issues', 'flags', 'error', 'timeout', 'location', 'taxonomy'].includes(k),
          ),
        ),
        null,
        2,
      )
    : null;
  const text = `detected ${d.detected ?? 'pass'}${message ? `: ${message}` : ''}${evidence ? `\nevidence: ${evidence}` : ''}`;
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

/** Matchers for hand-written tests: `expect(run).toBeDetectedAs('validation_error')`, `expect(run).toPass()`. */
export const labMatchers = {
  toBeDetectedAs(received: unknown, kind: FailureKind) {
    const d = detectedOf(received);
    const pass = d !== null && d.detected === kind;
    return {
      pass,
      message: () =>
        pass
          ? `expected the run not to be detected as ${kind}`
          : `expected a run detected as ${kind}, ${describeRun(received)}`,
    };
  },
  toPass(received: unknown) {
    const d = detectedOf(received);
    const pass = d !== null && d.detected === null;
    return {
      pass,
      message: () => (pass ? 'expected the run not to pass' : `expected the run to pass, ${describeRun(received)}`),
    };
  },
};

declare module 'vitest' {
  // vitest 5's shape of the interface (R: what an assertion returns).
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> {
    /** The run was detected as this failure kind. */
    toBeDetectedAs(kind: FailureKind): R;
    /** The run passed: no failure detected. */
    toPass(): R;
  }
}
