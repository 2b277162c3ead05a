// A separate process that writes runs into a store, for the multi-process tests.
//   node --import tsx test/support/storeWriter.ts <db> batch <runs> <tag>
//     prints "ready", waits for a "go" line on stdin, writes <runs> finished runs, prints "done <runs>".
//   node --import tsx test/support/storeWriter.ts <db> halves <runs> <tag>
//     like batch, but after the first half of its runs prints "half" and waits for a second
//     "go": two writers released together twice interleave by construction, not by luck.
//   node --import tsx test/support/storeWriter.ts <db> onrequest 0 <tag>
//     prints "ready"; for each "write <id>" line on stdin writes one finished run <id> and
//     prints "wrote <id>" once it is committed; ends at end of input.
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
  if (mode === 'batch' || mode === 'halves') {
    const store = new Store(file);
    process.stdout.write('ready\n');
    const rl = readline.createInterface({ input: process.stdin });
    const input = rl[Symbol.asyncIterator]();
    const go = async () => {
      for (let next = await input.next(); !next.done; next = await input.next()) if (next.value.trim() === 'go') return;
      throw new Error('stdin ended before "go"');
    };
    await go();
    const runs = Number(runsArg);
    const half = mode === 'halves' ? Math.floor(runs / 2) : -1;
    for (let i = 0; i < runs; i++) {
      if (i === half) {
        process.stdout.write('half\n');
        await go();
      }
      writeFinishedRun(store, `${tag}-${i}`, Date.now());
    }
    store.close();
    rl.close();
    process.stdout.write(`done ${runs}\n`);
    return;
  }
  if (mode === 'onrequest') {
    const store = new Store(file);
    process.stdout.write('ready\n');
    for await (const line of readline.createInterface({ input: process.stdin })) {
      const id = /^write (\S+)$/.exec(line.trim())?.[1];
      if (!id) continue;
      writeFinishedRun(store, id, Date.now());
      store.flush();
      process.stdout.write(`wrote ${id}\n`);
    }
    store.close();
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
