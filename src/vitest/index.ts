// agent-failure-lab/vitest: one test per scenario of the project config, and matchers for tests
// written by hand. Importing it registers the matchers. No global setup: the scripted server
// starts and stops with the test file.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeRun, labMatchers } from './matchers.ts';
import { loadProjectScenarios, type RunScenariosOptions, runScenarios, type ScenarioRun } from './run-scenarios.ts';

expect.extend(labMatchers);

export { describeRun, labMatchers } from './matchers.ts';
export { loadProjectScenarios, type RunScenariosOptions, runScenarios, type ScenarioRun } from './run-scenarios.ts';

/** describeScenarios' options: which scenarios, and how long the whole set may take. */
export interface DescribeScenariosOptions extends RunScenariosOptions {
  /** The suite's name (default "lab scenarios"). */
  name?: string;
  /** How long running every scenario may take, in ms (default 120000). */
  timeoutMs?: number;
}

/**
 * Registers one test per scenario of the project config, named by its id. The scenarios run once,
 * as `lab capture` runs them, into the config's store and ledger; a run detected as its scenario's
 * `expected` passes, and any other outcome fails with the detected kind, the message and the evidence.
 */
export function describeScenarios(options: DescribeScenariosOptions = {}): void {
  describe(options.name ?? 'lab scenarios', async () => {
    const { scenarios } = await loadProjectScenarios(options);
    let runs: Map<string, ScenarioRun>;
    beforeAll(async () => {
      const ids = new Set(scenarios.map((l) => l.scenario.id));
      runs = await runScenarios({ ...options, filter: (s) => ids.has(s.id) });
    }, options.timeoutMs ?? 120_000);
    for (const { scenario } of scenarios) {
      it(scenario.id, () => {
        const run = runs.get(scenario.id);
        if (!run) throw new Error(`scenario ${scenario.id} did not run`);
        if (run.result.lab_error)
          throw new Error(
            `the lab could not run ${scenario.id}: ${run.result.lab_error.name}: ${run.result.lab_error.message}`,
          );
        const expected = scenario.expected ?? null;
        if (run.result.detected !== expected)
          expect.fail(`${scenario.id} expected ${expected ?? 'pass'}, ${describeRun(run.trace ?? run.result)}`);
      });
    }
  });
}
