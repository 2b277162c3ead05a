// The extension-host test suite entry (`extensionTestsPath`): VS Code — desktop, or code-server
// through test/vscode/launcher.mjs — loads the compiled file (dist/test/vscode/index.js) inside
// the extension host and awaits `run()`. It runs every compiled `*.test.js` next to it with
// mocha (tdd UI: suite/test/setup/teardown), writes {passed, failed} to $STEPFLOW_COUNTS_FILE
// and rejects when a test failed, which makes VS Code exit non-zero.
//
// Output: mocha's spec reporter writes through console.log, which the extension host forwards
// to the workbench (code-server: window.codeAutomationLog → the launcher's stdout).
// Env (of the extension host = of VS Code / code-server): STEPFLOW_COUNTS_FILE,
// STEPFLOW_TEST_GREP (only tests whose full title matches), STEPFLOW_TEST_TIMEOUT_MS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  // The suite runs on two VS Code versions (docs/testing.md): every line that reports says which.
  const on = `VS Code ${vscode.version}, extension host on Node ${process.versions.node}`;
  console.log(`vscode suite on ${on}`);
  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: !!process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0',
    timeout: Number(process.env.STEPFLOW_TEST_TIMEOUT_MS) || 60_000,
  });
  if (process.env.STEPFLOW_TEST_GREP) mocha.grep(process.env.STEPFLOW_TEST_GREP);

  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const counts = { passed: 0, failed: 0 };
  const writeCounts = () => {
    const file = process.env.STEPFLOW_COUNTS_FILE;
    if (file) fs.writeFileSync(file, JSON.stringify(counts));
  };

  try {
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => counts.passed++);
      runner.on('fail', () => counts.failed++);
    });
  } catch (err) {
    // A test file that throws while loading: count it, so a broken suite is never a pass.
    console.error(err);
    counts.failed++;
  }
  if (files.length === 0) {
    console.error(`no *.test.js files in ${__dirname}`);
    counts.failed++;
  }
  writeCounts();
  console.log(`vscode suite (${on}): ${counts.passed} passed, ${counts.failed} failed`);
  if (counts.failed > 0) throw new Error(`${counts.failed} test(s) failed on ${on}`);
}
