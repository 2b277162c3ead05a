// The team hub's dashboard in Chromium: a real PostgreSQL server (test/support/postgres.ts),
// `stepflow serve --hub`, and three machines (STEPFLOW_HOME + STEPFLOW_HOST_NAME each) whose
// `stepflow run` ships its runs there. The page, opened once with a hub token, lists the
// runs of all three hosts with their host names, shows a run's steps and log, and a run
// shipped while it is open appears without a reload (screenshot test-results/hub-dashboard.png).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { launchChromium } from '../vscode/codeServer.mjs';
import { RESULTS_DIR } from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'stepflow.js');
const HOSTS = ['laptop-ann', 'build-agent-7', 'server-eu'];
const SCRIPT = `#!/usr/bin/env bash
echo "STEP_START:Build"
echo "building on $STEPFLOW_HOST_NAME"
echo "STEP_COMPLETE:Build"
echo "STEP_START:Test"
echo "all tests passed"
echo "STEP_COMPLETE:Test"
`;

describe('team hub dashboard (PostgreSQL + stepflow serve --hub + Chromium)', function () {
  this.timeout(240_000);
  const scratch = [];
  let pg;
  let hubUrl;
  let hub;
  let token;
  let script;
  let browser;
  let page;

  const run = (host) => {
    const home = path.join(scratch[0], host);
    fs.mkdirSync(home, { recursive: true });
    const env = { ...process.env, STEPFLOW_HOME: home, STEPFLOW_HOST_NAME: host, STEPFLOW_HUB_URL: hubUrl, STEPFLOW_HUB_TOKEN: token, NO_COLOR: '1' };
    const result = spawnSync(process.execPath, [cli, 'run', script], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    // `run` ships within a bound; on a loaded machine the rest waits in the outbox: push sends it.
    const push = spawnSync(process.execPath, [cli, 'hub', 'push', '--timeout', '60'], { env, encoding: 'utf8' });
    assert.equal(push.status, 0, `${push.stdout}${push.stderr}`);
  };

  before(async () => {
    const { startPostgres, freePort } = await tsImport('../support/postgres.ts', import.meta.url);
    scratch.push(fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-hub-ui-')));
    script = path.join(scratch[0], 'deploy.sh');
    fs.writeFileSync(script, SCRIPT, { mode: 0o755 });
    pg = await startPostgres();
    const created = spawnSync(process.execPath, [cli, 'hub', 'token', 'create', '--hub', pg.url, '--name', 'browser'], { encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    token = created.stdout.trim();
    const port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    const { spawn } = await import('node:child_process');
    hub = spawn(process.execPath, [cli, 'serve', '--hub', pg.url, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      let out = '';
      hub.stdout.setEncoding('utf8').on('data', (text) => {
        out += text;
        if (/^StepFlow hub: /m.test(out)) resolve();
      });
      hub.once('exit', (code) => reject(new Error(`hub exited (${code}): ${out}`)));
    });
    for (const host of HOSTS) {
      run(host);
      run(host);
    }
    ({ page, close: browser } = await launchChromium({ viewport: { width: 1280, height: 800 } }));
    await page.goto(`${hubUrl}/?token=${encodeURIComponent(token)}`);
  });

  after(async () => {
    await browser?.();
    if (hub && hub.exitCode === null) {
      const exited = new Promise((resolve) => hub.once('exit', resolve));
      hub.kill('SIGTERM');
      await exited;
    }
    await pg?.stop();
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the runs of all three machines with their host names, a run’s steps and log, and a newly shipped run live', async () => {
    // The token moved into a cookie: the address bar no longer holds it.
    assert.equal(new URL(page.url()).search, '');
    const rows = page.locator('sf-run-list .row');
    await rows.nth(5).waitFor();
    assert.equal(await rows.count(), 6);
    const hosts = await page.locator('sf-run-list .tag.host').allInnerTexts();
    assert.deepEqual([...new Set(hosts)].sort(), [...HOSTS].sort());
    assert.equal(hosts.length, 6);

    await rows.filter({ has: page.locator('.tag.host', { hasText: 'server-eu' }) }).first().click();
    await page.locator('sf-timeline .name', { hasText: 'Build' }).waitFor();
    await page.locator('sf-timeline .name', { hasText: 'Test' }).waitFor();

    // Another machine ships a run while the page is open: it arrives over the WebSocket.
    run('ci-runner-42');
    await page.locator('sf-run-list .tag.host', { hasText: 'ci-runner-42' }).waitFor();
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, 'hub-dashboard.png') });
  });
});
