// Cancel from anywhere: a run started with `stepflow run` in a terminal is cancelled from another
// StepFlow process (the RunManager behind VS Code's `stepflow/cancel`, and the REST API),
// and the CLI that owns it records it as cancelled. A stale process record (the pid now
// belongs to another program) or another machine's run is refused. Real processes, real
// signals; waits are on the CLI's output and exit.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { tempDir, writeScript } from '../support/cli';
import { TOKEN, request, startFixture, type Fixture } from '../support/serverClient';
import { RunManager } from '../../sidecar/runs/runManager';
import { Store } from '../../sidecar/store/store';
import { openStore, sqlOf } from '../support/storeSql';
import { groupMembers, isGone, killGroupQuietly, readPid, startCli, storedRuns, STUBBORN } from './lifetimeSupport';
import { pollUntil } from '../support/poll';

describe('cancel from anywhere', function () {
  this.timeout(30_000);
  let home: string;
  let work: string;
  let pgid: number | undefined;
  const cleanups: Array<() => void | Promise<void>> = [];

  beforeEach(() => {
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
    pgid = undefined;
  });
  afterEach(async () => {
    killGroupQuietly(pgid);
    for (const c of cleanups.splice(0).reverse()) await c();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A CLI run whose process record has been written; returns its id. */
  async function cliRun(db: string) {
    const script = writeScript(work, 'stubborn.sh', STUBBORN);
    const cli = startCli(['run', script, '--db', db], home, { T: work });
    await pollUntil(() => cli.stdout().includes('READY') || cli.child.exitCode !== null, 'READY');
    pgid = readPid(path.join(work, 'script.pid'));
    const grandchild = readPid(path.join(work, 'grandchild.pid'))!;
    const probe = new BetterSqlite3(db, { timeout: 5000 });
    let id = '';
    try {
      await pollUntil(() => {
        const row = probe.prepare(`SELECT id FROM runs WHERE status = 'running' AND pgid IS NOT NULL`).get() as { id: string } | undefined;
        id = row?.id ?? '';
        return id !== '';
      }, 'the run\'s process record');
    } finally {
      probe.close();
    }
    return { cli, grandchild, id };
  }

  it('the RunManager of another process cancels a CLI-started run: the CLI records it cancelled, no process is left', async () => {
    const db = path.join(home, 'stepflow.db');
    const { cli, grandchild, id } = await cliRun(db);
    const store = new Store(db);
    cleanups.push(() => store.close());
    const manager = new RunManager(store, () => undefined);
    assert.equal(manager.owns(id), false);
    assert.deepEqual(manager.cancelAnywhere(id, 500), { cancelled: true });
    const exit = await cli.exited;
    await pollUntil(() => isGone(grandchild) && groupMembers(pgid!).length === 0, 'the whole group to end');
    const run = storedRuns(home).find((r) => r.id === id)!;
    assert.equal(run.status, 'cancelled', `exit ${exit.code}: ${cli.stderr()}`);
    assert.equal(run.steps[0]!.status, 'cancelled');
  });

  it('POST /api/executions/:id/cancel of `stepflow serve` cancels a run of a terminal', async () => {
    const fixture: Fixture = await startFixture();
    cleanups.push(() => fixture.close());
    const { cli, grandchild, id } = await cliRun(fixture.store.file);
    const answer = await request(fixture.server.port, { method: 'POST', path: `/api/executions/${id}/cancel`, token: TOKEN });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { id, cancelled: true });
    await cli.exited;
    await pollUntil(() => isGone(grandchild) && groupMembers(pgid!).length === 0, 'the whole group to end');
    assert.equal(fixture.store.getRun(id)!.status, 'cancelled');
  });

  it('refuses a stale record (the pid now belongs to another process) and leaves that process alone', async () => {
    const db = path.join(home, 'stepflow.db');
    const store = openStore(db);
    cleanups.push(() => store.close());
    // An innocent program that happens to have the recorded pid (its own process group).
    const innocent = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    cleanups.push(() => killGroupQuietly(innocent.pid));
    store.createRun({ id: 'stale', script: '/x.sh', args: [], cwd: '/', profile: null, startedAt: Date.now(), ownerPid: process.pid });
    store.flush();
    sqlOf(store).prepare(`UPDATE runs SET pgid = ?, proc_start = 'linux:some-other-boot:12345', owner_uid = ? WHERE id = 'stale'`).run(innocent.pid, process.getuid!());
    const answer = new RunManager(store, () => undefined).cancelAnywhere('stale', 100);
    assert.equal(answer.cancelled, false);
    assert.match((answer as { reason: string }).reason, /gone|another program/);
    await new Promise((r) => setTimeout(r, 300)); // past the grace period it would have used
    assert.equal(isGone(innocent.pid!), false, 'the innocent process was not signalled');
    assert.equal(store.getRun('stale')!.status, 'running');
  });

  it('refuses a run of another machine and of another user, with the reason', () => {
    const store = openStore(path.join(home, 'stepflow.db'));
    cleanups.push(() => store.close());
    const manager = new RunManager(store, () => undefined);
    for (const id of ['remote', 'theirs']) {
      store.createRun({ id, script: '/x.sh', args: [], cwd: '/', profile: null, startedAt: Date.now(), ownerPid: process.pid });
    }
    store.flush();
    // A pgid above pid_max: nothing could be signalled even by mistake.
    sqlOf(store).prepare(`UPDATE runs SET owner_host = 'build-server-7', pgid = 2147483000, proc_start = 'linux:x:1' WHERE id = 'remote'`).run();
    sqlOf(store).prepare(`UPDATE runs SET owner_uid = ?, pgid = 2147483000, proc_start = 'linux:x:1' WHERE id = 'theirs'`).run(process.getuid!() + 1);
    const remote = manager.cancelAnywhere('remote');
    assert.equal(remote.cancelled, false);
    assert.match((remote as { reason: string }).reason, /another machine \(build-server-7\)/);
    const theirs = manager.cancelAnywhere('theirs');
    assert.equal(theirs.cancelled, false);
    assert.match((theirs as { reason: string }).reason, /another user/);
    assert.notEqual(os.hostname(), 'build-server-7');
  });
});
