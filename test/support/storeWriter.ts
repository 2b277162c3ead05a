// A separate process that writes runs into a store, for the multi-process tests.
//   node --import tsx test/support/storeWriter.ts <db> batch <runs> <tag>
//     prints "ready", waits for a "go" line on stdin, writes <runs> finished runs, prints "done <runs>".
//   node --import tsx test/support/storeWriter.ts <db> forever 0 <tag>
//     writes one run that never finishes, printing "progress <n>" after each committed batch.
import * as readline from 'node:readline';
import { Store } from '../../sidecar/store/store';

export const STEPS_PER_RUN = 5;
export const LINES_PER_RUN = 40;

/** The text of line `n` of run `runId`, as the writer stores it (tests compare against it). */
export function lineText(runId: string, n: number): string {
  return `${runId} line ${n} ${'x'.repeat(n % 17)}`;
}

function writeFinishedRun(store: Store, runId: string, t: number): void {
  store.createRun({ id: runId, script: '/work/concurrent.sh', args: ['--n', runId], cwd: '/work', profile: null, startedAt: t, ownerPid: process.pid });
  let line = 1;
  // Steps 1 (2, 3) 4 (5): two parents with children, ten output lines each after the first.
  const parents: Record<number, number | null> = { 1: null, 2: 1, 3: 1, 4: null, 5: 4 };
  for (let stepId = 1; stepId <= STEPS_PER_RUN; stepId++) {
    store.enqueue({ type: 'stepStarted', runId, stepId, parentId: parents[stepId]!, name: `s${stepId}`, startedAt: t + stepId, line });
    const count = stepId === 1 ? 0 : LINES_PER_RUN / 4;
    if (count > 0) {
      const text = Array.from({ length: count }, (_, k) => lineText(runId, line + k) + '\n').join('');
      store.appendOutput(runId, stepId % 2 ? 'stderr' : 'stdout', line, count, Buffer.from(text), t + stepId);
      line += count;
    }
    if (stepId !== 1 && stepId !== 4) {
      store.enqueue({ type: 'stepFinished', runId, stepId, status: 'succeeded', endedAt: t + stepId + 1, durationMs: 1, error: null, line: line - 1 });
    }
  }
  store.enqueue({ type: 'stepFinished', runId, stepId: 1, status: 'succeeded', endedAt: t + 10, durationMs: 9, error: null, line: line - 1 });
  store.enqueue({ type: 'warning', runId, stepId: 4, warning: { type: 'marker', severity: 'warning', message: 'w', file: null, line: null }, at: t + 10 });
  store.enqueue({ type: 'artifact', runId, stepId: 5, path: `/work/${runId}.txt`, description: null, at: t + 10 });
  store.enqueue({ type: 'meta', runId, stepId: null, key: 'K', value: runId, at: t + 10 });
  store.enqueue({ type: 'stepFinished', runId, stepId: 4, status: 'succeeded', endedAt: t + 11, durationMs: 7, error: null, line: line - 1 });
  store.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: t + 12, durationMs: 12, lineCount: line - 1, error: null });
}

async function main(): Promise<void> {
  const [file, mode, runsArg, tag] = process.argv.slice(2);
  if (!file || !mode || !tag) throw new Error('usage: storeWriter.ts <db> batch|forever <runs> <tag>');
  if (mode === 'batch') {
    const store = new Store(file);
    process.stdout.write('ready\n');
    const input = readline.createInterface({ input: process.stdin });
    for await (const line of input) if (line.trim() === 'go') break;
    input.close();
    const runs = Number(runsArg);
    for (let i = 0; i < runs; i++) writeFinishedRun(store, `${tag}-${i}`, Date.now());
    store.close();
    process.stdout.write(`done ${runs}\n`);
    return;
  }
  // forever: one run that keeps writing output and steps; small inline budget so its log
  // file is in play when the process is killed.
  const store = new Store(file, { inlineLogBytes: 16 * 1024, maxBufferedBytes: 64 * 1024 });
  const runId = `${tag}-forever`;
  store.createRun({ id: runId, script: '/work/forever.sh', args: [], cwd: '/work', profile: null, startedAt: Date.now(), ownerPid: process.pid });
  let line = 1;
  for (let batch = 1; ; batch++) {
    store.enqueue({ type: 'stepStarted', runId, stepId: batch, parentId: null, name: `step ${batch}`, startedAt: Date.now(), line });
    for (let k = 0; k < 20; k++) {
      const text = Array.from({ length: 50 }, (_, j) => lineText(runId, line + j) + '\n').join('');
      store.appendOutput(runId, 'stdout', line, 50, Buffer.from(text), Date.now());
      line += 50;
    }
    store.enqueue({ type: 'stepFinished', runId, stepId: batch, status: 'succeeded', endedAt: Date.now(), durationMs: 1, error: null, line: line - 1 });
    store.flush();
    process.stdout.write(`progress ${batch}\n`);
    // Let the event loop breathe (stdout, signals) but keep writing as fast as possible.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`storeWriter: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
