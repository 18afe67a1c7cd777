// @ts-check
// Mutation testing with StrykerJS: `npm run mutate`. How to run it, what it costs and what to do
// with surviving mutants: TESTING.md.

/**
 * The folders to mutate: those where a wrong line means a wrong label or a lost record.
 * Edit this list when folders move. A folder that does not exist (yet) simply matches nothing:
 * all folders go into one glob, and Stryker only warns when a whole glob matches nothing.
 */
const MUTATE_FOLDERS = [
  'src/detect', // what is left of the detection wrapper
  'src/classify', // classification: which kind a run gets
  'src/grounding', // grounding checks (hallucination_flag)
  'src/contracts', // the record schemas
  'src/store', // where records are kept
  'src/capture', // run, persist, read back
  'src/ledger', // the failure ledger: fingerprints, lifecycle
  'src/ledger-store', // where failure records are kept
  // Not mutated today, decide per folder:
  // 'src/execute', // running subjects: step recording, run outcome (was part of src/detect)
  // 'src/derive', // failure and recovery traces derived from a run
];

/** @param {string[]} folders */
function oneGlob(folders) {
  return `${folders.length === 1 ? folders[0] : `{${folders.join(',')}}`}/**/*.ts`;
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  plugins: ['@stryker-mutator/vitest-runner'],
  testRunner: 'vitest',
  vitest: {
    // vitest.config.ts minus the tests that cannot kill mutants or are too timing-sensitive.
    configFile: 'vitest.mutate.config.ts',
  },

  mutate: [oneGlob(MUTATE_FOLDERS)],

  // Each mutant runs only the tests that executed its code in the initial test run. (Mutants
  // executed while a module loads, such as zod schemas, are "static": they run every test related
  // to their file.)
  coverageAnalysis: 'perTest',

  // Reuse earlier results for mutants whose code and covering tests did not change.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',

  // Two cores, two test-runner processes; each runs its test files one at a time (fileParallelism:
  // false in vitest.mutate.config.ts, and the runner forces one vitest worker).
  concurrency: 2,
  // A mutant times out after timeoutFactor × (net time of its tests in the initial run) + timeoutMS.
  // Generous: tests wait on scenario deadlines (100 ms to 20 s) and two runners share two cores.
  timeoutFactor: 3,
  timeoutMS: 15_000,
  dryRunTimeoutMinutes: 15,
  // Stryker warns that static mutants take most of the time and suggests ignoreStatic. Here the
  // static mutants are the zod contracts and the constant tables: the point of the exercise.
  warnings: { slow: false },

  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { allowColor: false, reportScoreTable: true },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },

  tempDirName: '.stryker-tmp',
  // Not copied into the sandboxes: traces, profiles and reports of earlier runs.
  ignorePatterns: ['.lab-traces', '.prof', '.ci', '.scratch*', 'reports'],
};
