// The browser dashboard end to end: `stepflow serve` (the built CLI) with a few stored runs,
// the page opened with its token in headless Chromium, a run started through the REST API
// whose steps appear live, a log search, and screenshots (test-results/dashboard*.png).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../vscode/codeServer.mjs';
import { startServe, stopServe } from './serveProcess.mjs';
import { RESULTS_DIR } from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'stepflow.js');

const DEPLOY = `#!/usr/bin/env bash
echo "STEP_START:Checkout"
echo "cloning repository"
echo "STEP_COMPLETE:Checkout"
echo "STEP_START:Build"
printf '\\033[32mcompiling\\033[0m module \\033[1;34mcore\\033[0m\\n'
echo "STEP_START:Compile"
for i in $(seq 1 40); do echo "compile unit $i ok"; done
echo "needle: the quick brown fox"
echo "STEP_COMPLETE:Compile"
echo "ARTIFACT:build.txt:Build output"
echo "build" > build.txt
echo "STEP_COMPLETE:Build"
echo "STEP_START:Wait for approval"
# The test lets the run go on once it has seen the steps so far live.
while [ ! -f "$GO_FILE" ]; do sleep 0.05; done
echo "approved"
echo "STEP_COMPLETE:Wait for approval"
echo "STEP_START:Package"
echo "STEP_WARNING:package size grew by 12%"
echo "STEP_COMPLETE:Package"
`;

const FLAKY = `#!/usr/bin/env bash
echo "STEP_START:Setup"
echo "setting up"
echo "STEP_COMPLETE:Setup"
echo "STEP_START:Tests"
echo "3 passed, 1 failed" >&2
echo "STEP_ERROR:tests/api.test.ts:42:7: expected 200, got 500"
exit 1
`;

// Announces two artifacts while it runs, when the test says so: one in its folder, one
// elsewhere (which the service does not serve).
const REPORT = `#!/usr/bin/env bash
echo "STEP_START:Report"
echo "local" > local.txt
while [ ! -f "$ANNOUNCE_FILE" ]; do sleep 0.05; done
echo "ARTIFACT:local.txt:Local report"
echo "ARTIFACT:$OUTSIDE_FILE:Shared report"
while [ ! -f "$FINISH_FILE" ]; do sleep 0.05; done
echo "STEP_COMPLETE:Report"
`;

describe('dashboard (stepflow serve + Chromium)', function () {
  this.timeout(120_000);
  let home;
  let work;
  let serve;
  let browser;
  let page;
  let base;
  let token;
  const problems = [];

  const api = async (p, init = {}) => {
    const res = await fetch(`${base}${p}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers } });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-dash-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-dash-work-'));
    fs.writeFileSync(path.join(work, 'deploy.sh'), DEPLOY, { mode: 0o755 });
    fs.writeFileSync(path.join(work, 'flaky.sh'), FLAKY, { mode: 0o755 });
    fs.writeFileSync(path.join(work, 'report.sh'), REPORT, { mode: 0o755 });
    fs.writeFileSync(path.join(home, 'shared.txt'), 'shared\n');
    const env = {
      ...process.env,
      STEPFLOW_HOME: home,
      GO_FILE: path.join(work, 'go'),
      ANNOUNCE_FILE: path.join(work, 'announce'),
      FINISH_FILE: path.join(work, 'finish'),
      OUTSIDE_FILE: path.join(home, 'shared.txt'),
    };
    // History first: two finished deploys (for "usual" times) and a failing run.
    fs.writeFileSync(path.join(work, 'go'), '');
    for (const script of ['deploy.sh', 'deploy.sh', 'flaky.sh']) {
      const r = spawnSync(process.execPath, [cli, 'run', path.join(work, script), '--json'], { env, cwd: work, encoding: 'utf8' });
      assert.ok(r.status === 0 || script === 'flaky.sh', r.stderr);
    }
    fs.rmSync(path.join(work, 'go'));

    let url;
    ({ serve, url } = await startServe({ env, cwd: work, problems }));
    base = new URL(url).origin;
    token = new URL(url).searchParams.get('token');
    assert.equal(token, fs.readFileSync(path.join(home, 'token'), 'utf8').trim());
    assert.equal(fs.statSync(path.join(home, 'token')).mode & 0o777, 0o600);

    browser = await launchChromium({ viewport: { width: 1440, height: 880 } });
    page = browser.page;
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const dir of [home, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens with the token moved into a cookie and lists the stored runs', async () => {
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    await page.locator('sf-run-list .row').nth(2).waitFor();
    assert.equal(await page.locator('sf-run-list .row').count(), 3);
    assert.match(await page.locator('sf-run-list .row').first().innerText(), /flaky\.sh/);
  });

  it('shows a run started through the API live, step by step', async () => {
    const started = await api('/api/executions', { method: 'POST', body: JSON.stringify({ script: path.join(work, 'deploy.sh'), cwd: work }) });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.id;
    const row = page.locator(`sf-run-list .row[data-run-id="${id}"]`);
    await row.waitFor(); // arrived over the WebSocket
    await row.click();
    const detail = page.locator('sf-run-detail');
    await detail.locator('.facts', { hasText: 'Running' }).waitFor();
    // Steps so far, while the script waits for the go file.
    await page.locator('sf-timeline .name', { hasText: 'Wait for approval' }).waitFor();
    for (const step of ['Checkout', 'Build', 'Compile']) await page.locator('sf-timeline .name', { hasText: step }).first().waitFor();
    assert.equal(await page.locator('sf-timeline .name', { hasText: 'Package' }).count(), 0, 'Package has not started yet');
    assert.equal(await page.locator('sf-timeline .bar.running').count(), 1);
    // Progress and time left from the earlier deploys (their expectations came with runStarted).
    const progress = detail.locator('sf-run-progress .text');
    await progress.filter({ hasText: /left|longer than usual/ }).waitFor();
    // Reopened while it runs, the page asks the service for them (GET …/expectations).
    const asked = page.waitForResponse((r) => r.url().endsWith(`/api/executions/${id}/expectations`) && r.status() === 200);
    await page.reload();
    await asked;
    await detail.locator('.facts', { hasText: 'Running' }).waitFor();
    await progress.filter({ hasText: /left|longer than usual/ }).waitFor();

    fs.writeFileSync(path.join(work, 'go'), '');
    await page.locator('sf-timeline .name', { hasText: 'Package' }).waitFor();
    await detail.locator('.facts', { hasText: 'Succeeded' }).waitFor();
    await row.locator('sf-icon.succeeded').waitFor();
    // Usual time from the two earlier deploys, and the warning under its step.
    await page.locator('sf-step-table tr', { hasText: 'Checkout' }).locator('td.num.muted', { hasNotText: '—' }).waitFor();
    await page.locator('sf-step-table .detail.warn', { hasText: 'package size grew by 12%' }).waitFor();
    await page.screenshot({ path: path.join(RESULTS_DIR, 'dashboard.png') });
  });

  it('searches the logs and opens a hit in the log viewer', async () => {
    await page.locator('sf-run-detail button[aria-label="Close run"]').click();
    await page.locator('sf-filters input[type="search"]').fill('quick brown');
    await page.locator('sf-filters input[type="search"]').press('Enter');
    const hits = page.locator('sf-search-results .hit');
    await hits.first().waitFor();
    assert.equal(await hits.count(), 3, 'one line in each of the three deploy runs');
    assert.equal(await page.locator('sf-run-list .row').count(), 3, 'the list shows the runs that match');
    await hits.first().click();
    const viewer = page.locator('sf-log-viewer');
    await viewer.locator('.line.focus mark', { hasText: 'quick brown' }).waitFor();
    assert.match(await viewer.locator('.line.focus').innerText(), /needle: the quick brown fox/);
    await page.emulateMedia({ colorScheme: 'light' }); // the dashboard follows the OS theme
    await page.screenshot({ path: path.join(RESULTS_DIR, 'dashboard-log.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    // Jump to a step: its first line comes into view, its lines are marked.
    await viewer.locator('select[aria-label="Jump to step"]').selectOption({ label: 'Build' });
    await viewer.locator('.line.sel[data-line="4"]').waitFor();
    // ANSI colours became classes on spans, with the escape codes gone.
    const coloured = viewer.locator('.line', { hasText: 'compiling module core' });
    await coloured.waitFor();
    assert.equal(await coloured.locator('span.f2').innerText(), 'compiling');
  });

  it('downloads an artifact of a run and nothing else', async () => {
    const { body } = await api('/api/executions?script=' + encodeURIComponent(path.join(work, 'deploy.sh')) + '&limit=1');
    const id = body.runs[0].id;
    await page.locator(`sf-run-list .row[data-run-id="${id}"]`).click();
    await page.locator('sf-run-detail nav button[data-tab="artifacts"]').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('sf-artifacts button[data-artifact="0"]').click()]);
    assert.equal(download.suggestedFilename(), 'build.txt');
    assert.equal(fs.readFileSync(await download.path(), 'utf8'), 'build\n');
  });

  it('marks an artifact outside the run\'s folder as not downloadable while the run goes on', async () => {
    await page.locator('sf-filters input[type="search"]').fill(''); // the search above filtered the list
    await page.locator('sf-filters input[type="search"]').press('Enter');
    // The unfiltered list is back once flaky.sh (no match for the search) is listed again.
    await page.locator('sf-run-list .row', { hasText: 'flaky.sh' }).waitFor();
    const started = await api('/api/executions', { method: 'POST', body: JSON.stringify({ script: path.join(work, 'report.sh'), cwd: work }) });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.id;
    await page.locator(`sf-run-list .row[data-run-id="${id}"]`).click();
    await page.locator('sf-run-detail nav button[data-tab="artifacts"]').click();
    await page.locator('sf-run-detail .facts', { hasText: 'Running' }).waitFor();
    await page.locator('sf-artifacts .empty').waitFor();
    // Selected and loaded before the artifacts exist: they can only arrive as live events.
    fs.writeFileSync(path.join(work, 'announce'), '');
    const artifacts = page.locator('sf-artifacts li');
    await artifacts.nth(1).waitFor();
    assert.match(await artifacts.nth(0).innerText(), /Local report/);
    assert.equal(await artifacts.nth(0).locator('button[data-artifact="0"]').count(), 1, 'the local one downloads');
    assert.match(await artifacts.nth(1).innerText(), /Shared report[\s\S]*outside the run's folder — not downloadable/);
    assert.equal(await artifacts.nth(1).locator('button').count(), 0, 'no Download link that would fetch a 403');
    fs.writeFileSync(path.join(work, 'finish'), '');
    await page.locator('sf-run-detail .facts', { hasText: 'Succeeded' }).waitFor();
    assert.equal(await page.locator('sf-artifacts [data-artifact-refused="1"]').count(), 1, 'still marked once the run is over');
  });

  it('ran without page errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
