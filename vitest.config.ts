import { defineConfig } from 'vitest/config';

// In CI a JSON report is written too, so .ci/run can print "N passed, N failed".
const reporters = process.env.CI ? ['default', 'json'] : ['default'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One file at a time: many tests run scenarios with deadlines, spawn the CLI or load the
    // machine on purpose (determinism under load); on two cores, files running side by side
    // would starve each other's deadlines and make the timing-based checks flaky.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters,
    outputFile: process.env.CI ? { json: '.ci/test-results.json' } : undefined,
  },
});
