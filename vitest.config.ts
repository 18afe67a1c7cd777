import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// In CI a JSON report is written too, so .ci/run can print "N passed, N failed".
const reporters = process.env.CI ? ['default', 'json'] : ['default'];

/**
 * Files that run alone, one at a time, after the others: they load the machine on purpose
 * (determinism under load, the pause test), capture the whole shipped corpus with its deadlines,
 * or bound a time (a worker cut at its deadline, a process that exits within seconds). Beside
 * another file on two cores their runs would miss deadlines by load alone. The project's tests
 * hold on a machine with two busy loops competing (TESTING.md), but these are kept out of reach of
 * the suite's own load.
 */
const ALONE = [
  'test/capture/determinism-under-load.test.ts',
  'test/capture/pause-determinism.test.ts',
  'test/cli/capture.test.ts',
  'test/cli/hostile.test.ts',
  'test/detect/determinism.test.ts',
  'test/detect/label-blind.test.ts',
  'test/detect/worker-isolation.test.ts',
  'test/execute/deadline-cut.test.ts',
  'test/execute/overrun.test.ts',
  'test/execute/worker-late.test.ts',
  'test/frameworks/determinism.test.ts',
  'test/ledger/fingerprint.test.ts',
  'test/merge/merge-build.test.ts',
];

/**
 * The slowest of the other files, slowest first (measured 2026-12-06, after branch suite-time): started
 * first, so the two workers are not left with one long file each at the end while the other sits idle
 * (before, chaos/fuzz, not listed, started 321 s into the 406 s of this project and ended it). Without
 * it vitest orders a clean clone's files by size (it has no timings yet).
 */
const SLOW_FIRST = [
  'test/cli/stores.test.ts',
  'test/ledger/build-kills.test.ts',
  'test/chaos/fuzz.test.ts',
  'test/package/install.test.ts',
  'test/report/report-browser.test.ts',
  'test/mcp/mcp-faults.test.ts',
  'test/cli/shard.test.ts',
  'test/subject/command-subject.test.ts',
  'test/chaos/variants.test.ts',
  'test/store/cosmos-faults.test.ts',
  'test/contracts/migrate-v1.test.ts',
  'test/cli/flags.test.ts',
  'test/cli/secrets.test.ts',
  'test/analytics/memory.test.ts',
  'test/cli/newcomer.test.ts',
  'test/telemetry/otlp-spec.test.ts',
  'test/cli/ledger.test.ts',
];

/** vitest's order, with SLOW_FIRST's files moved to the front of their project. */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projects = [...new Set(sorted.map((spec) => spec.project.name))];
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((f) => spec.moduleId.endsWith(f));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort(
      (a, b) => projects.indexOf(a.project.name) - projects.indexOf(b.project.name) || rank(a) - rank(b),
    );
  }
}

/** The test files. */
export const TEST_FILES = ['test/**/*.test.ts'];

/** What every run of the tests shares (vitest.mutate.config.ts too). */
export const sharedTest = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    ...sharedTest,
    reporters,
    outputFile: process.env.CI ? { json: '.ci/test-results.json' } : undefined,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'side-by-side',
          include: TEST_FILES,
          exclude: ALONE,
          // Two files at once, as many as the CI machine has cores (vitest's default leaves one idle).
          maxWorkers: Math.min(2, availableParallelism()),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
