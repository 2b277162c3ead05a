// Proves the VS Code test harness end to end with a throw-away extension in a temp dir:
// runTests → launcher → code-server + headless Chromium → the real suite entry
// (test/vscode/suite/index.ts) → mocha in the extension host → exit code and counts file.
// Runs twice: a passing suite must exit 0 with {passed: 4, failed: 0}; the same plus a failing
// test must exit non-zero with failed = 1.
//
// Then a UI case: the same extension in the workbench in Chromium — open a file from the
// Explorer, click a CodeLens, see its toast, expand a view, read its rows, and save
// test-results/workbench.png.
//
//   node test/vscode/selftest.mjs [--only=pass|fail|ui]
import * as esbuild from 'esbuild';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIntegration } from './runIntegration.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// A tree view, a CodeLens and a command, so the UI helpers have something to click.
const EXTENSION_JS = `
const vscode = require('vscode');
const path = require('path');
exports.activate = (context) => {
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('selftestRuns', {
      getChildren: (el) => (el ? [] : ['run alpha', 'run beta', 'run gamma']),
      getTreeItem: (label) => new vscode.TreeItem(label),
    }),
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.sh' }, {
      provideCodeLenses: (doc) => [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0),
        { title: '$(play) Run selftest', command: 'selftest.run', arguments: [doc.uri.fsPath] })],
    }),
    vscode.commands.registerCommand('selftest.run', (file) =>
      vscode.window.showInformationMessage('selftest ran ' + path.basename(file || 'nothing'))),
  );
  return { hello: 'world' };
};
exports.deactivate = () => {};
`;

const PASSING_TESTS = String.raw`
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

suite('harness selftest', () => {
  test('vscode.version exists', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    console.log('      (VS Code ' + vscode.version + ', app ' + vscode.env.appName + ')');
  });
  test('the extension under development is loaded and activates', async () => {
    const ext = vscode.extensions.getExtension('stepflow-test.stepflow-selftest');
    assert.ok(ext, 'extension not found');
    const api = await ext.activate();
    assert.equal(api.hello, 'world');
  });
  test('the workspace folder is open', () => {
    const folders = vscode.workspace.workspaceFolders || [];
    assert.equal(folders.length, 1);
    assert.equal(path.basename(folders[0].uri.fsPath), 'selftest-workspace');
  });
  test('environment reaches the extension host', () => {
    assert.equal(process.env.STEPFLOW_SELFTEST_MARKER, 'marker-42');
  });
});
`;

const FAILING_TEST = `
const assert = require('node:assert/strict');
suite('harness selftest (deliberate failure)', () => {
  test('fails on purpose', () => { assert.equal(1 + 1, 3); });
});
`;

async function makeFixture(dir) {
  const ext = path.join(dir, 'ext');
  fs.mkdirSync(ext, { recursive: true });
  fs.writeFileSync(
    path.join(ext, 'package.json'),
    JSON.stringify({
      name: 'stepflow-selftest',
      publisher: 'stepflow-test',
      version: '0.0.1',
      engines: { vscode: '^1.100.0' },
      main: './extension.js',
      activationEvents: ['*'],
      contributes: {
        views: { explorer: [{ id: 'selftestRuns', name: 'Selftest Runs' }] },
        commands: [{ command: 'selftest.run', title: 'Selftest: Run' }],
      },
    }, null, 2),
  );
  fs.writeFileSync(path.join(ext, 'extension.js'), EXTENSION_JS);
  fs.mkdirSync(path.join(dir, 'selftest-workspace'));
  fs.writeFileSync(path.join(dir, 'selftest-workspace', 'hello.sh'), 'echo hello\n');

  // The real suite entry, compiled like test/vscode/build.mjs does; `mocha` is pinned to the
  // repo's copy because this temp dir has no node_modules above it.
  const suiteDir = path.join(dir, 'suite');
  const mochaPath = require.resolve('mocha');
  await esbuild.build({
    entryPoints: [path.join(HERE, 'suite', 'index.ts')],
    outfile: path.join(suiteDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    external: ['vscode'],
    plugins: [{
      name: 'repo-mocha',
      setup(b) {
        b.onResolve({ filter: /^mocha$/ }, () => ({ path: mochaPath, external: true }));
      },
    }],
  });
  fs.writeFileSync(path.join(suiteDir, 'selftest.test.js'), PASSING_TESTS);
  return { ext, suiteDir, index: path.join(suiteDir, 'index.js'), workspace: path.join(dir, 'selftest-workspace') };
}

async function runUiCase(fx) {
  console.log('\n=== selftest: UI (code-server workbench in Chromium) ===');
  const t0 = Date.now();
  const ui = await import('./ui.mjs');
  const wb = await ui.openWorkbench({ folder: fx.workspace, extensionDevelopmentPath: fx.ext });
  try {
    console.log(`workbench ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    await ui.openFile(wb.page, 'hello.sh');
    await ui.clickCodeLens(wb.page, 'Run selftest');
    await ui.waitForToast(wb.page, 'selftest ran hello.sh');
    await ui.expandView(wb.page, 'Selftest Runs');
    const rows = await ui.waitForTreeRows(wb.page, 'Selftest Runs', { min: 3, text: 'run gamma' });
    const file = await ui.screenshot(wb.page, 'workbench');
    console.log(`rows ${JSON.stringify(rows)}; screenshot ${file}; ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return rows;
  } finally {
    await wb.close();
  }
}

async function runCase(name, fx, countsFile) {
  console.log(`\n=== selftest: ${name} ===`);
  const t0 = Date.now();
  const code = await runIntegration({
    extensionDevelopmentPath: fx.ext,
    extensionTestsPath: fx.index,
    workspace: fx.workspace,
    env: { STEPFLOW_COUNTS_FILE: countsFile, STEPFLOW_SELFTEST_MARKER: 'marker-42' },
  });
  const counts = fs.existsSync(countsFile) ? JSON.parse(fs.readFileSync(countsFile, 'utf8')) : null;
  console.log(`=== selftest: ${name}: exit ${code}, counts ${JSON.stringify(counts)}, ${((Date.now() - t0) / 1000).toFixed(1)}s ===`);
  return { code, counts };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-selftest-'));
let ok = 0;
let bad = 0;
const check = (what, fn) => {
  try {
    fn();
    ok++;
    console.log(`ok   ${what}`);
  } catch (err) {
    bad++;
    console.log(`FAIL ${what}: ${err.message}`);
  }
};
try {
  const fx = await makeFixture(dir);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7); // pass | fail | ui
  if (!only || only === 'pass') {
    const pass = await runCase('passing suite', fx, path.join(dir, 'counts-pass.json'));
    check('passing suite exits 0', () => assert.equal(pass.code, 0));
    check('passing suite counts', () => assert.deepEqual(pass.counts, { passed: 4, failed: 0 }));
  }
  if (!only || only === 'ui') {
    let rows = [];
    try {
      rows = await runUiCase(fx);
    } catch (err) {
      console.log(err.stack);
    }
    check('UI: CodeLens click → toast, view expanded with 3 rows, screenshot', () => assert.equal(rows.length, 3));
  }
  if (!only || only === 'fail') {
    fs.writeFileSync(path.join(fx.suiteDir, 'zz-failing.test.js'), FAILING_TEST);
    const fail = await runCase('suite with a failing test', fx, path.join(dir, 'counts-fail.json'));
    check('failing suite exits non-zero', () => assert.notEqual(fail.code, 0));
    check('failing suite counts', () => assert.deepEqual(fail.counts, { passed: 4, failed: 1 }));
  }
} catch (err) {
  bad++;
  console.log(`FAIL selftest crashed: ${err.stack ?? err}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`\nselftest: ${ok} passed, ${bad} failed`);
process.exitCode = bad ? 1 : 0;
