// @ts-check
// Mutation testing (docs/testing.md "Mutation testing"). Normally run through
// `npm run mutate [-- <module>…]` (scripts/mutate.mjs), which runs Stryker once per module
// with STRYKER_MODULE set and prints a per-module table. `npx stryker run` on its own mutates
// every module below against all of their tests in one go.
//
// Each module is mutated against its own unit tests only: the whole unit suite also holds
// slow end-to-end tests (the built CLI, VS Code, browsers) that would make every mutant cost
// minutes without telling more about these modules.

/** @type {Record<string, { mutate: string[]; spec: string[] }>} */
export const modules = {
  // The output parser, the step tracker, ANSI handling and the StepFlow dialect.
  markers: {
    mutate: ['sidecar/markers/*.ts', 'sidecar/protocol/ansi.ts'],
    spec: ['test/unit/markers.*.test.ts'],
  },
  // The CI dialects (GitHub Actions, TeamCity, GitLab, Azure): a module of their own, so the
  // core's score and cost do not depend on them.
  dialects: {
    mutate: ['sidecar/markers/dialects/**/*.ts'],
    spec: ['test/unit/markers.*.test.ts'],
  },
  stats: {
    mutate: ['sidecar/stats/**/*.ts'],
    spec: [
      'test/unit/stats.welford.test.ts',
      'test/unit/stats.outliers.test.ts',
      'test/unit/stats.eta.test.ts',
      'test/unit/stats.gaps.test.ts',
      'test/unit/stats.edges.test.ts',
      'test/unit/stats.tinyMean.test.ts',
      'test/unit/results.test.ts',
    ],
  },
  store: {
    mutate: ['sidecar/store/**/*.ts'],
    spec: [
      'test/unit/store.test.ts',
      'test/unit/store.gaps.test.ts',
      'test/unit/store.spool.test.ts',
      'test/unit/store.searchSteps.test.ts',
      'test/unit/store.logSearch.test.ts',
      'test/unit/store.errors.test.ts',
      'test/unit/store.errorWords.test.ts',
      'test/unit/store.diskfull.test.ts',
      'test/unit/stats.store.test.ts',
    ],
  },
  runner: {
    mutate: ['sidecar/runner/**/*.ts'],
    spec: ['test/unit/runner.process.test.ts', 'test/unit/runner.interpreter.test.ts', 'test/unit/runner.gaps.test.ts'],
  },
  auth: {
    mutate: ['sidecar/server/auth.ts'],
    spec: ['test/unit/server.auth.test.ts', 'test/unit/server.auth.gaps.test.ts', 'test/unit/server.security.test.ts'],
  },
};

const only = process.env.STRYKER_MODULE;
if (only !== undefined && !(only in modules)) throw new Error(`STRYKER_MODULE=${only}: not one of ${Object.keys(modules).join(', ')}`);
const selected = only ? [modules[only]] : Object.values(modules);
const name = only ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The TypeScript checker discards mutants that do not compile (about a quarter of them), so
  // they are neither run nor counted. STRYKER_TYPECHECK=0 (`npm run mutate -- --no-typecheck`)
  // skips it: faster to start, but those mutants then run and mostly count as killed.
  checkers: process.env.STRYKER_TYPECHECK === '0' ? [] : ['typescript'],
  // The mutated modules only (and what they import): the checker type-checks a mutant against
  // the code it can break, and a half-finished edit elsewhere in sidecar/ (the LSP server, the
  // CLI) does not stop a mutation run in its dry-run compilation.
  tsconfigFile: 'tsconfig.stryker.json',
  mutate: selected.flatMap((m) => m.mutate),
  mochaOptions: {
    // Not .mocharc.json: that one selects the whole suite, shuffles it and counts results.
    config: '.mocharc.stryker.json',
    spec: selected.flatMap((m) => m.spec),
  },
  coverageAnalysis: 'perTest',
  // The machines have two cores shared with others.
  concurrency: 2,
  // Real child processes and SQLite files: leave room for a loaded machine.
  timeoutMS: 10000,
  timeoutFactor: 2,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  // What the sandbox copy does not need (big, or irrelevant to sidecar tests).
  ignorePatterns: ['dist', '.vscode-test', 'test-results', 'reports', '*.vsix', 'media', 'test/ui', 'test/vscode', 'test/bench'],
};
