// What a user meets in the first hour, in a real VS Code (code-server) in Chromium:
// - running a .ps1 without pwsh installed: one sentence saying what is missing and what to
//   do, with an "Open Settings" button that opens the interpreters setting;
// - cancelling a run StepFlow may not cancel (a `stepflow run` of another user): the
//   sidecar's reason, not "not running in this window".
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const Database = createRequire(import.meta.url)('better-sqlite3');

const onPath = (name) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, name)));

describe('StepFlow in VS Code: the first hour (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;
  let work;
  let cli;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui1-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui1-work-'));
    fs.writeFileSync(path.join(work, 'deploy.ps1'), 'Write-Host "STEP_START:Deploy"\nWrite-Host "STEP_COMPLETE:Deploy"\n');
    fs.writeFileSync(
      path.join(work, 'held.sh'),
      `#!/usr/bin/env bash\necho "STEP_START:Held"\nwhile [ ! -f "${path.join(work, 'release')}" ]; do sleep 0.05; done\necho "STEP_COMPLETE:Held"\n`,
      { mode: 0o755 },
    );
    workbench = await ui.openWorkbench({ folder: work, extensionDevelopmentPath: root, env: { STEPFLOW_HOME: home }, viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    fs.writeFileSync(path.join(work, 'release'), '');
    if (cli && cli.exitCode === null) await new Promise((resolve) => cli.once('exit', resolve));
    await workbench?.close();
    for (const dir of [home, work]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a .ps1 without pwsh: one sentence and a button to the interpreters setting', async function () {
    if (onPath('pwsh')) this.skip(); // the interpreter is there: nothing is missing
    const { page } = workbench;
    await ui.openFile(page, 'deploy.ps1');
    await ui.clickCodeLens(page, 'Run with StepFlow', { timeoutMs: 60_000 });
    const toast = await ui.waitForToast(page, 'pwsh, the interpreter for .ps1 scripts, is not installed');
    assert.match(await toast.innerText(), /StepFlow can't run deploy\.ps1: pwsh, the interpreter for \.ps1 scripts, is not installed \(not on PATH\) — install it or choose another in Settings\./);
    await ui.screenshot(page, 'vscode-missing-interpreter');
    await toast.locator('.monaco-button', { hasText: 'Open Settings' }).click();
    const setting = page.locator('.settings-editor .setting-item-contents', { hasText: 'Interpreters' }).first();
    await setting.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .search-container textarea').first().inputValue(), /stepflow\.run\.interpreters/);
  });

  it('cancel of another user\'s run says why it was refused', async () => {
    const { page } = workbench;
    // A `stepflow run` in a terminal, then recorded as another user's (what the sidecar checks).
    cli = spawn(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', path.join(work, 'held.sh')], {
      env: { ...process.env, STEPFLOW_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the CLI run did not start its step')), 30_000);
      readline.createInterface({ input: cli.stdout }).on('line', (line) => {
        if (/Held/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const db = new Database(path.join(home, 'stepflow.db'));
    try {
      db.pragma('busy_timeout = 10000');
      const changed = db.prepare(`UPDATE runs SET owner_uid = 4242 WHERE status = 'running' AND script = ?`).run(path.join(work, 'held.sh')).changes;
      assert.equal(changed, 1);
    } finally {
      db.close();
    }
    await ui.openViewContainer(page, 'StepFlow');
    await ui.waitForTreeRows(page, 'Runs', { text: 'held.sh', timeoutMs: 60_000 });
    await ui.runCommand(page, 'StepFlow: Cancel Run');
    const toast = await ui.waitForToast(page, 'could not cancel');
    assert.match(await toast.innerText(), /StepFlow could not cancel the run: that run belongs to another user \(uid 4242\)\./);
    assert.doesNotMatch(await toast.innerText(), /in this window/);
    await ui.screenshot(page, 'vscode-cancel-refused');
  });
});
