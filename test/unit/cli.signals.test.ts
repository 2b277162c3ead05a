// Nothing lost, nothing left running (docs/architecture.md, "Process lifetime"): the built
// `stepflow` CLI and `stepflow serve` as real processes, sent real signals. Waits are on
// events (the CLI's output, its exit) and on conditions polled with an overall timeout; only
// scripts sleep.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir, writeScript } from '../support/cli';
import { request } from '../support/serverClient';
import { LspClient } from '../support/lspClient';
import { RunRequest } from '../../sidecar/protocol/lsp';
import { Store } from '../../sidecar/store/store';
import { groupMembers, isGone, killGroupQuietly, readPid, startCli, storedRuns, STUBBORN } from './lifetimeSupport';
import { pollUntil } from '../support/poll';

describe('stepflow run: signals and the process group', function () {
  this.timeout(30_000);
  let home: string;
  let work: string;
  let pgid: number | undefined;
  // Closed after every test, also one that timed out while waiting on it: an open watcher
  // keeps mocha's process alive after the suite ends.
  let dbWatcher: fs.FSWatcher | undefined;

  beforeEach(() => {
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
    pgid = undefined;
  });
  afterEach(() => {
    dbWatcher?.close();
    dbWatcher = undefined;
    killGroupQuietly(pgid);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function stubbornRun(extra: string[] = []) {
    const script = writeScript(work, 'stubborn.sh', STUBBORN);
    const cli = startCli(['run', script, ...extra], home, { T: work });
    await pollUntil(() => cli.stdout().includes('READY') || cli.child.exitCode !== null, 'READY');
    pgid = readPid(path.join(work, 'script.pid'));
    const grandchild = readPid(path.join(work, 'grandchild.pid'))!;
    assert.ok(pgid && grandchild, 'the script and its grandchild started');
    return { cli, grandchild };
  }

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal}: SIGTERM to the group, SIGKILL to a grandchild that ignores it, exit ${code} only once the group is gone, stored as cancelled`, async () => {
      const { cli, grandchild } = await stubbornRun();
      cli.child.kill(signal);
      const exit = await cli.exited;
      // The moment the CLI is gone, nothing of the script's group may be left.
      assert.ok(isGone(grandchild), `grandchild ${grandchild} still running after the CLI exited`);
      assert.deepEqual(groupMembers(pgid!), [], 'no member of the script group is left');
      assert.equal(exit.code, code, cli.stderr());
      const [run] = storedRuns(home);
      assert.equal(run!.status, 'cancelled');
      assert.equal(run!.steps[0]!.status, 'cancelled');
    });
  }

  it('a second Ctrl-C sends SIGKILL to the group at once; the run stays cancelled (never failed 137), exit 130', async () => {
    const { cli, grandchild } = await stubbornRun();
    cli.child.kill('SIGINT');
    // The first one was handled once the script (the group leader) died of its SIGTERM;
    // only the grandchild that ignores SIGTERM is left, for the grace period.
    await pollUntil(() => isGone(pgid!), 'the script to die of SIGTERM');
    assert.equal(isGone(grandchild), false);
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    assert.ok(isGone(grandchild));
    assert.deepEqual(groupMembers(pgid!), []);
    assert.equal(exit.code, 130, cli.stderr());
    assert.equal(storedRuns(home)[0]!.status, 'cancelled');
  });

  it('--timeout: exit 124 like timeout(1), stored as timed_out, no survivor', async () => {
    const script = writeScript(work, 'stubborn.sh', STUBBORN);
    const cli = startCli(['run', script, '--timeout', '1'], home, { T: work });
    const exit = await cli.exited;
    pgid = readPid(path.join(work, 'script.pid'));
    const grandchild = readPid(path.join(work, 'grandchild.pid'))!;
    assert.ok(cli.stdout().includes('READY'), 'the script got going before the timeout');
    assert.ok(isGone(grandchild), `grandchild ${grandchild} still running after the CLI exited`);
    assert.equal(exit.code, 124, cli.stderr());
    assert.equal(storedRuns(home)[0]!.status, 'timed_out');
  });

  it('Ctrl-C during start-up (after the database is opened, before the script runs) is honoured once: cancelled, exit 130', async function () {
    // 21 CLIs one after another: on a loaded 2-core machine each start costs a second or more.
    this.timeout(21 * 10_000);
    // The window between opening the database and spawning the script is a few ms long, so
    // the signal is sent at a sweep of moments after the database file appears (the event).
    // Each CLI must end promptly: 130 with the run cancelled (or no run at all when the signal
    // came before its handler existed: killed by SIGINT like any program). Never ignored.
    const script = writeScript(work, 'long.sh', '#!/bin/sh\necho $$ > "$T/script.pid"\nsleep 30\n');
    for (let delayMs = 0; delayMs <= 40; delayMs += 2) {
      const db = path.join(home, `start-${delayMs}.db`);
      fs.rmSync(path.join(work, 'script.pid'), { force: true });
      const cli = startCli(['run', script, '--db', db], home, { T: work });
      await new Promise<void>((resolve) => {
        dbWatcher = fs.watch(home, () => {
          if (fs.existsSync(db)) resolve();
        });
        if (fs.existsSync(db)) resolve();
      });
      dbWatcher?.close();
      const t0 = performance.now();
      while (performance.now() - t0 < delayMs) {
        // busy-wait: sub-millisecond placement of the signal
      }
      cli.child.kill('SIGINT');
      const exit = await Promise.race([cli.exited, new Promise<'ignored'>((r) => setTimeout(() => r('ignored'), 20_000).unref())]);
      pgid = readPid(path.join(work, 'script.pid'));
      if (exit === 'ignored') {
        cli.child.kill('SIGKILL');
        assert.fail(`a Ctrl-C ${delayMs} ms after the database was opened was ignored`);
      }
      const store = new Store(db);
      const runs = store.listRuns({ limit: 5 });
      store.close();
      if (exit.signal === 'SIGINT') {
        assert.equal(runs.length, 0, `signal at +${delayMs} ms`);
      } else {
        assert.equal(exit.code, 130, `signal at +${delayMs} ms: ${cli.stderr()}`);
        assert.equal(runs.length, 1);
        assert.equal(runs[0]!.status, 'cancelled', `signal at +${delayMs} ms`);
      }
      assert.ok(pgid === undefined || groupMembers(pgid).length === 0, 'no script left running');
      killGroupQuietly(pgid);
    }
  });

  it('SIGKILL of the CLI: the script group is ended within a few seconds and its output is kept (show --log)', async () => {
    const script = writeScript(
      work,
      'loop.sh',
      [
        '#!/usr/bin/env bash',
        'echo $$ > "$T/script.pid"',
        'echo "STEP_START:Loop"',
        'i=0',
        'while :; do i=$((i+1)); echo "line $i"; echo "line $i on stderr" >&2; echo "$i" > "$T/last.tmp"; mv "$T/last.tmp" "$T/last"; sleep 0.005; done',
      ].join('\n'),
    );
    const cli = startCli(['run', script], home, { T: work });
    await pollUntil(() => cli.stdout().includes('line 40\n'), 'line 40');
    pgid = readPid(path.join(work, 'script.pid'))!;
    cli.child.kill('SIGKILL');
    await cli.exited;
    await pollUntil(() => groupMembers(pgid!).length === 0, 'the script group to end after its CLI was killed', { timeoutMs: 20_000 });
    const last = Number(fs.readFileSync(path.join(work, 'last'), 'utf8'));
    assert.ok(last >= 30, `last line ${last}`);
    const [record] = storedRuns(home);
    const show = await runCli(['show', record!.id, '--log'], { home });
    assert.equal(show.code, 0, show.stderr);
    assert.ok(show.stdout.includes(`line ${last}\n`), `the log keeps line ${last} (the script's last)`);
    assert.ok(show.stdout.includes(`line ${last} on stderr\n`), 'and what it wrote on stderr');
    assert.equal(storedRuns(home)[0]!.status, 'interrupted');
    // Kept by the run, not left as an orphaned spool folder.
    const logDir = path.join(home, 'stepflow.db-logs');
    const spools = fs.existsSync(logDir) ? fs.readdirSync(logDir).filter((n) => n.startsWith('stepflow-spool-')) : [];
    assert.deepEqual(spools, []);
  });
});

describe('stepflow serve and the language server: shutdown during a run', function () {
  this.timeout(30_000);
  let home: string;
  let work: string;
  let pgid: number | undefined;

  beforeEach(() => {
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
  });
  afterEach(() => {
    killGroupQuietly(pgid);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('SIGTERM to `stepflow serve` stops its runs, writes their end, then closes the database', async () => {
    const script = writeScript(work, 'long.sh', '#!/bin/sh\necho $$ > "$T/script.pid"\necho "STEP_START:Wait"\nsleep 30\n');
    const serve = startCli(['serve', '--port', '0'], home, { T: work });
    await pollUntil(() => /StepFlow dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.test(serve.stdout()), 'the dashboard URL');
    const port = Number(/StepFlow dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(serve.stdout())![1]);
    const token = fs.readFileSync(path.join(home, 'token'), 'utf8').trim();
    const started = await request(port, {
      method: 'POST',
      path: '/api/executions',
      token,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ script }),
    });
    assert.equal(started.status, 201, started.text);
    await pollUntil(() => readPid(path.join(work, 'script.pid')) !== undefined, 'the script to start');
    pgid = readPid(path.join(work, 'script.pid'));
    serve.child.kill('SIGTERM');
    const exit = await serve.exited;
    assert.equal(exit.code, 0, serve.stderr());
    assert.doesNotMatch(serve.stderr(), /database|not open/i);
    assert.deepEqual(groupMembers(pgid!), []);
    const run = storedRuns(home).find((r) => r.id === started.json.id);
    assert.equal(run?.status, 'cancelled');
  });

  it('the language server\'s shutdown closes the database and leaves its run to the next one; none within the grace period: the group is ended', async () => {
    // A shutdown is also a window reload: the run goes on for the next language server to
    // adopt (test/unit/lsp.adoption.test.ts); here none comes within the 300 ms grace.
    const script = writeScript(work, 'long.sh', '#!/bin/sh\necho $$ > "$T/script.pid"\necho "STEP_START:Wait"\nsleep 30\n');
    const client = await LspClient.start(home, { STEPFLOW_ADOPT_GRACE_MS: '300' });
    let stopped = false;
    try {
      const { runId } = await client.connection.sendRequest(RunRequest, { script, env: { T: work } });
      await pollUntil(() => readPid(path.join(work, 'script.pid')) !== undefined, 'the script to start');
      // The script runs under the exit-status wrapper, which leads the group.
      const stat = fs.readFileSync(`/proc/${readPid(path.join(work, 'script.pid'))}/stat`, 'utf8');
      pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      await client.stop();
      stopped = true;
      assert.doesNotMatch(client.stderr, /database|not open/i);
      assert.equal(storedRuns(home).find((r) => r.id === runId)?.status, 'running', 'left to be adopted, not cancelled');
      await pollUntil(() => groupMembers(pgid!).length === 0, 'the watchdog to end the group', { timeoutMs: 20_000 });
      const store = new Store(path.join(home, 'stepflow.db'));
      try {
        assert.deepEqual(store.markInterrupted(), [runId]);
      } finally {
        store.close();
      }
    } finally {
      if (!stopped) await client.stop();
    }
  });

});
