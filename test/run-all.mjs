// `npm test`: runs every suite (each in its own process), adds up their pass/fail counts and
// ends with the line CI reads: `N passed, N failed`. A suite that dies before reporting
// counts as one failure, so a crash can never look like success.
//
// First it installs what the suites need besides node_modules (scripts/prepare-tests.mjs:
// Debian packages, code-server, Node from npm); a suite whose needs are still missing is
// reported as not run, with what is missing, and counts as one failure.
//
// The extension-host and UI suites run on the minimum VS Code the manifest declares
// (code-server 4.100.3, Node 20) and, with STEPFLOW_TEST_NEWEST=1, again on the newest
// code-server release tested (its own Node), each header naming the VS Code it runs on. On the newest, the UI suite runs the files that
// open the workbench; the others drive webviews in a plain page and do not depend on VS Code.
//
// The unit suite runs in a shuffled order (test/support/shuffle.cjs). The seed is fresh on
// every run unless $STEPFLOW_TEST_SEED fixes it; it is printed first and in the summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareTests } from '../scripts/prepare-tests.mjs';
import { describeCodeServer, ensureCodeServer, testedCodeServerTargets } from '../scripts/install-code-server.mjs';

const root = new URL('..', import.meta.url).pathname;
const mocha = join(root, 'node_modules', '.bin', 'mocha');

const uiFiles = readdirSync(join(root, 'test', 'ui')).filter((f) => f.endsWith('.test.mjs')).map((f) => join('test', 'ui', f));
const workbenchUiFiles = uiFiles.filter((f) => readFileSync(join(root, f), 'utf8').includes('openWorkbench('));

const { missing } = await prepareTests();

/** What a target's suites print in their header, e.g. "code-server 4.100.3 (VS Code 1.100.3, Node 20.20.2)". */
async function onWhat(target) {
  if (missing.includes(`code-server ${target.name}`)) return `code-server ${target.version}`;
  try {
    return describeCodeServer(await ensureCodeServer(target.name));
  } catch (err) {
    console.log(`code-server ${target.version}: ${err.message}`);
    missing.push(`code-server ${target.name}`);
    return `code-server ${target.version}`;
  }
}

/** Each suite: a name, the command that runs it and its environment. Suites write counts to $STEPFLOW_COUNTS_FILE. */
const suites = [{ name: 'unit (sidecar, real processes and databases)', cmd: [mocha] }];
for (const target of testedCodeServerTargets()) {
  const on = await onWhat(target);
  const needs = ['chromium', `code-server ${target.name}`];
  const env = { STEPFLOW_CODE_SERVER: target.name };
  suites.push(
    { name: `VS Code extension host, ${target.name}: ${on}`, cmd: [process.execPath, 'test/vscode/runIntegration.mjs'], needs, env },
    {
      name: `UI in a real browser, ${target.name}: ${on} + Chromium`,
      needs,
      env,
      cmd: [mocha, '--no-config', '--timeout', '180000', '--reporter', './test/support/countingReporter.cjs', ...(target.name === 'minimum' ? uiFiles : workbenchUiFiles)],
    },
  );
}

// The store's tests and the sidecar's storage paths once more on Node 22, storing through
// node:sqlite: the driver VS Code's own runtime uses (docs/testing.md, "Both SQLite drivers").
import node22 from './support/node22.cjs';
const NODE_SQLITE_FILES = [
  ...readdirSync(join(root, 'test', 'unit')).filter((f) => /^(store\.|stats\.store|summary\.store)/.test(f) && f !== 'store.drivers.test.ts'),
  'cli.e2e.test.ts',
  'server.api.test.ts',
  'lsp.liveFeed.test.ts',
].map((f) => join('test', 'unit', f));
if (!node22.node22Path() && !missing.includes('node 22')) {
  console.log(`npm test: Node 22 is not at ${node22.NODE22} (npm run test:deps installs it from the npm registry)`);
  missing.push('node 22');
}
suites.splice(1, 0, {
  name: 'unit on Node 22 through node:sqlite (store, CLI, service and language server storage)',
  needs: ['node 22'],
  cmd: [node22.node22Path() ?? 'node-22', mocha, '--no-config', '-r', 'tsx/cjs', '--extension', 'ts', '--timeout', '30000', '--reporter', './test/support/countingReporter.cjs', ...NODE_SQLITE_FILES],
  env: { STEPFLOW_SQLITE_DRIVER: 'node:sqlite' },
});

const seed = process.env.STEPFLOW_TEST_SEED ?? String(Math.floor(Math.random() * 0x100000000));
console.log(`unit suite shuffle seed: ${seed} (replay with STEPFLOW_TEST_SEED=${seed})`);

const scratch = mkdtempSync(join(tmpdir(), 'stepflow-test-'));
let passed = 0;
let failed = 0;
for (const [index, suite] of suites.entries()) {
  const countsFile = join(scratch, `counts-${index}.json`);
  console.log(`\n=== ${suite.name} ===`);
  const lacking = (suite.needs ?? []).filter((need) => missing.includes(need));
  if (lacking.length > 0) {
    console.log(`suite "${suite.name}" not run: it needs ${lacking.join(' and ')} (see above): counted as a failure`);
    failed += 1;
    continue;
  }
  const result = spawnSync(suite.cmd[0], suite.cmd.slice(1), {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...suite.env, STEPFLOW_COUNTS_FILE: countsFile, STEPFLOW_TEST_SEED: seed },
  });
  if (existsSync(countsFile)) {
    const counts = JSON.parse(readFileSync(countsFile, 'utf8'));
    passed += counts.passed;
    failed += counts.failed;
    if (counts.failed === 0 && result.status !== 0) {
      console.log(`suite "${suite.name}" exited with ${result.status ?? result.signal} after passing: counted as a failure`);
      failed += 1;
    }
  } else {
    console.log(`suite "${suite.name}" did not report results (exit ${result.status ?? result.signal}): counted as a failure`);
    failed += 1;
  }
}
rmSync(scratch, { recursive: true, force: true });
if (failed > 0) console.log(`\nunit suite shuffle seed was ${seed}: replay its order with STEPFLOW_TEST_SEED=${seed} npx mocha`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
