// A run started from the editor survives its language server: killed (a crash) or shut down
// (a window reload, an extension update), the next language server adopts the run and follows
// it to its real end (runs/adoption.ts); with no next one within the grace period, the dead
// one's watchdog ends the script. Real processes throughout (the built sidecar, sh scripts);
// the script waits on gate files the test creates, and every wait is on a condition.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { tempDir, writeScript } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { RunRequest } from '../../sidecar/protocol/lsp';
import { Store } from '../../sidecar/store/store';
import { MERGED_FILE } from '../../sidecar/runner/spool';
import type { StepRecord } from '../../sidecar/protocol/model';
import { groupMembers, isGone, killGroupQuietly, readPid, storedRuns } from './lifetimeSupport';
import { pollUntil } from '../support/poll';

/**
 * Steps on both sides of two gates: `gate1` is opened while no language server runs (its
 * output lands in the spool file only), `gate2` once the next one has adopted the run.
 */
const GATED = [
  '#!/bin/sh',
  'echo $$ > "$T/script.pid"',
  'echo "STEP_START:Before"',
  'echo "line 1"',
  'echo "STEP_COMPLETE:Before"',
  'echo "STEP_START:Across"',
  'echo "line 2"',
  'while [ ! -e "$T/gate1" ]; do sleep 0.05; done',
  'echo "line 3 (no sidecar)"',
  'echo "STEP_START:Inner"',
  'while [ ! -e "$T/gate2" ]; do sleep 0.05; done',
  'echo "line 4"',
  'echo "STEP_COMPLETE:Inner"',
  'echo "STEP_COMPLETE:Across"',
  'echo "STEP_START:After"',
  'echo "line 5"',
  'echo "STEP_COMPLETE:After"',
  'exit 3',
].join('\n');

const EXPECTED_LOG = [
  'STEP_START:Before',
  'line 1',
  'STEP_COMPLETE:Before',
  'STEP_START:Across',
  'line 2',
  'line 3 (no sidecar)',
  'STEP_START:Inner',
  'line 4',
  'STEP_COMPLETE:Inner',
  'STEP_COMPLETE:Across',
  'STEP_START:After',
  'line 5',
  'STEP_COMPLETE:After',
];

/** The process group of `pid` (/proc/<pid>/stat field 5): the script runs under a wrapper that leads it. */
function pgidOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function flatten(steps: StepRecord[], parentId: number | null): Array<{ step: StepRecord; parentId: number | null }> {
  return steps.flatMap((step) => [{ step, parentId }, ...flatten(step.children, step.id)]);
}

function withStore<T>(home: string, read: (store: Store) => T): T {
  const store = new Store(path.join(home, 'stepflow.db'));
  try {
    return read(store);
  } finally {
    store.close();
  }
}

function logOf(home: string, runId: string): string[] {
  return withStore(home, (store) => store.readLog(runId, 1, 1000).map((l) => l.text.replace(/\n$/, '')));
}

function runRow(home: string, runId: string): { owner_pid: number; spool_dir: string | null } {
  const db = new BetterSqlite3(path.join(home, 'stepflow.db'), { timeout: 5000 });
  try {
    return db.prepare('SELECT owner_pid, spool_dir FROM runs WHERE id = ?').get(runId) as { owner_pid: number; spool_dir: string | null };
  } finally {
    db.close();
  }
}

describe('language server restarts: runs are adopted, not killed', function () {
  this.timeout(60_000);
  let home: string;
  let work: string;
  let pgid: number | undefined;
  const clients: LspClient[] = [];

  beforeEach(function () {
    if (process.platform !== 'linux') this.skip();
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
    pgid = undefined;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.kill().catch(() => undefined);
    killGroupQuietly(pgid);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Starts GATED from a language server and returns once "line 2" is stored. */
  async function startGated(graceMs: number): Promise<{ client: LspClient; runId: string; scriptPid: number }> {
    const script = writeScript(work, 'gated.sh', GATED);
    const client = await LspClient.start(home, { STEPFLOW_ADOPT_GRACE_MS: String(graceMs) });
    clients.push(client);
    const { runId } = await client.connection.sendRequest(RunRequest, { script, env: { T: work } });
    await pollUntil(() => readPid(path.join(work, 'script.pid')) !== undefined, 'the script to start');
    const scriptPid = readPid(path.join(work, 'script.pid'))!;
    pgid = pgidOf(scriptPid);
    await pollUntil(() => logOf(home, runId).includes('line 2'), 'line 2 to be stored', { timeoutMs: 15_000 });
    return { client, runId, scriptPid };
  }

  async function adoptAndFinish(runId: string, scriptPid: number): Promise<void> {
    assert.equal(isGone(scriptPid), false, 'the script outlives its language server');
    // Output written while no language server runs lands in the spool file only.
    fs.writeFileSync(path.join(work, 'gate1'), '');
    const spool = path.join(runRow(home, runId).spool_dir!, MERGED_FILE);
    await pollUntil(() => fs.existsSync(spool) && fs.readFileSync(spool, 'utf8').includes('STEP_START:Inner'), 'the headless output');

    const next = await LspClient.start(home, { STEPFLOW_ADOPT_GRACE_MS: '60000' });
    clients.push(next);
    await pollUntil(() => runRow(home, runId).owner_pid === next.pid, 'the next language server to adopt the run');
    fs.writeFileSync(path.join(work, 'gate2'), '');
    await pollUntil(() => storedRuns(home).find((r) => r.id === runId)?.status !== 'running', 'the run to end', { timeoutMs: 30_000 });

    const run = storedRuns(home).find((r) => r.id === runId)!;
    assert.equal(run.status, 'failed');
    assert.equal(run.exitCode, 3, 'the script\'s real exit code');
    assert.equal(run.error?.message, 'exit code 3');
    const steps = flatten(run.steps, null);
    assert.deepEqual(
      steps.map(({ step, parentId }) => [step.id, parentId, step.name, step.status]),
      [
        [1, null, 'Before', 'succeeded'],
        [2, null, 'Across', 'succeeded'],
        [3, 2, 'Inner', 'succeeded'],
        [4, null, 'After', 'succeeded'],
      ],
    );
    const across = steps.find((s) => s.step.name === 'Across')!.step;
    const inner = steps.find((s) => s.step.name === 'Inner')!.step;
    assert.ok(across.startedAt <= inner.startedAt, 'Across keeps the start its first language server saw');
    assert.ok((across.durationMs ?? -1) >= (inner.durationMs ?? Infinity), 'and its duration spans the restart');
    assert.deepEqual(logOf(home, runId), EXPECTED_LOG, 'every line once, in order');
    assert.equal(run.lineCount, EXPECTED_LOG.length);
    await pollUntil(() => groupMembers(pgid!).length === 0, 'the group to be gone');
    await pollUntil(() => !fs.existsSync(path.dirname(spool)), 'the spool folder to be removed');
  }

  it('SIGKILLed: the next language server adopts the run, continues its tree and log, and records its real end', async () => {
    const { client, runId, scriptPid } = await startGated(60_000);
    await client.kill('SIGKILL');
    await adoptAndFinish(runId, scriptPid);
  });

  it('shut down (a window reload): the run goes on and the next language server adopts it', async () => {
    const { client, runId, scriptPid } = await startGated(60_000);
    await client.stop();
    await adoptAndFinish(runId, scriptPid);
  });

  it('no language server within the grace period: the watchdog ends the script, and the run is interrupted', async () => {
    const { client, runId } = await startGated(300);
    await client.kill('SIGKILL');
    await pollUntil(() => groupMembers(pgid!).length === 0, 'the watchdog to end the group', { timeoutMs: 20_000 });
    const interrupted = withStore(home, (store) => store.markInterrupted());
    assert.deepEqual(interrupted, [runId]);
    const run = storedRuns(home).find((r) => r.id === runId)!;
    assert.equal(run.status, 'interrupted');
    assert.deepEqual(logOf(home, runId).slice(0, 5), EXPECTED_LOG.slice(0, 5));
  });

  it('a run whose script is still alive is not marked interrupted by another process while it waits for adoption', async () => {
    const { client, runId, scriptPid } = await startGated(60_000);
    await client.kill('SIGKILL');
    assert.deepEqual(withStore(home, (store) => store.markInterrupted()), []);
    assert.equal(storedRuns(home).find((r) => r.id === runId)?.status, 'running');
    await adoptAndFinish(runId, scriptPid);
  });
});
