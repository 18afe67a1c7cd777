import { defineConfig } from 'vitest/config';

// In CI a JSON report is written too, so .ci/run can print "N passed, N failed".
const reporters = process.env.CI ? ['default', 'json'] : ['default'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters,
    outputFile: process.env.CI ? { json: '.ci/test-results.json' } : undefined,
  },
});
