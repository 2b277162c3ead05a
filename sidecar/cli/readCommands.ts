// The commands that read the database: history, search, show, stats (they also work on a database
// StepFlow may only read, see context.ts), and prune.
import * as path from 'node:path';
import type { RunRecord, StepRecord } from '../protocol/model';
import { shownStatus, shownStatusNote } from '../protocol/results';
import type { StepStatistic } from '../protocol/statistics';
import { UserError } from '../util/errors';
import { numberOption, parseArgs, stringOption } from './args';
import { openCliStore } from './context';
import { colourWanted, fit, formatDuration, makeStyle, safe, type Style } from './term';

const style = (): Style => makeStyle(colourWanted(process.stdout));

export async function historyCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { json: {}, limit: { value: true }, status: { value: true }, script: { value: true }, search: { value: true }, profile: { value: true }, db: { value: true } });
  const store = openCliStore(args);
  try {
    const status = stringOption(args, 'status');
    const script = stringOption(args, 'script');
    const search = stringOption(args, 'search');
    const profile = stringOption(args, 'profile');
    const runs = store.listRuns({
      limit: numberOption(args, 'limit', { min: 1 }) ?? 20,
      ...(status ? { status: [status] } : {}),
      ...(script ? { script } : {}),
      ...(search ? { search } : {}),
      ...(profile ? { profile } : {}),
    });
    if (printedWithoutTable(runs, Boolean(args.options.json), 'no runs recorded yet')) return 0;
    const s = style();
    for (const run of runs) {
      const when = new Date(run.startedAt).toISOString().replace('T', ' ').slice(0, 19);
      process.stdout.write(
        `${s.dim(run.id)}  ${when}  ${statusText(run.status, s).padEnd(22)} ${formatDuration(run.durationMs).padStart(8)}  ${safe(run.script)}${run.profile ? s.dim(` [${safe(run.profile)}]`) : ''}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}

export async function searchCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { json: {}, run: { value: true }, limit: { value: true }, db: { value: true } });
  const text = args.positionals.join(' ');
  if (!text.trim()) throw new UserError('missing the text to find — usage: stepflow search <text> [--run ID] [--limit N] [--json]');
  const store = openCliStore(args);
  try {
    const runArg = stringOption(args, 'run');
    const run = runArg === undefined ? undefined : store.getRun(runArg);
    if (runArg !== undefined && !run) throw new UserError(`no run with id "${runArg}"`);
    const hits = store.searchLogs(text, { limit: numberOption(args, 'limit', { min: 1 }) ?? 50, ...(run ? { runId: run.id } : {}) });
    if (printedWithoutTable(hits, Boolean(args.options.json), `no log line contains "${safe(text)}"`)) return 0;
    const s = style();
    for (const hit of hits) {
      const step = hit.step ? `  ${s.dim(safe(hit.step.join(' › ')))}` : '';
      process.stdout.write(`${s.dim(`${hit.runId}:${hit.line}`)}${step}  ${safe(hit.text)}\n`);
    }
    const first = hits[0]!;
    process.stdout.write(s.dim(`open one: stepflow show ${first.runId} --log --from ${first.line}\n`));
    return 0;
  } finally {
    store.close();
  }
}

export async function showCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { json: {}, log: {}, from: { value: true }, db: { value: true } });
  const id = args.positionals[0];
  if (!id) throw new UserError('missing run id — usage: stepflow show <runId> [--json] [--log]');
  const store = openCliStore(args);
  try {
    const run = store.getRun(id);
    if (!run) throw new UserError(`no run with id "${id}"`);
    if (args.options.json) {
      const record = args.options.log ? { ...run, log: store.readLog(run.id, 1, run.lineCount).map((l) => l.text) } : run;
      process.stdout.write(JSON.stringify(record, null, 2) + '\n');
      return 0;
    }
    const fromLine = numberOption(args, 'from', { min: 1 });
    if (fromLine !== undefined && !args.options.log) throw new UserError('--from LINE goes with --log (stepflow show <runId> --log --from LINE)');
    if (fromLine === undefined) printRun(run, style());
    if (args.options.log) {
      // From a line (a search result): only the log, so the line asked for is the first one printed.
      if (fromLine === undefined) process.stdout.write('\n');
      for (let from = fromLine ?? 1; from <= run.lineCount; from += 10_000) {
        for (const line of store.readLog(run.id, from, 10_000)) process.stdout.write(line.text + '\n');
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

export async function statsCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { json: {}, rebuild: {}, db: { value: true } });
  // --rebuild rewrites the statistics: a write, refused with one line on a read-only database.
  const store = openCliStore(args, args.options.rebuild ? 'write' : 'read');
  try {
    if (args.options.rebuild) {
      const { steps, samples } = store.rebuildStats();
      process.stderr.write(`rebuilt the statistics of ${steps} step(s) from ${samples} succeeded step run(s)\n`);
    }
    const script = args.positionals[0];
    const rows = store.stepStats(script ? path.resolve(script) : undefined);
    if (printedWithoutTable(rows, Boolean(args.options.json), 'no finished steps recorded yet')) return 0;
    printStats(rows, style());
    return 0;
  } finally {
    store.close();
  }
}

/**
 * What history and stats print instead of their table: with --json the rows as JSON, without
 * rows one line saying what is missing. True when it printed one of them.
 */
function printedWithoutTable(rows: readonly unknown[], json: boolean, none: string): boolean {
  if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else if (rows.length === 0) process.stdout.write(`${none}\n`);
  else return false;
  return true;
}

function printStats(rows: StepStatistic[], s: Style): void {
  const label = (row: StepStatistic) => '  '.repeat(row.path.length - 1) + safe(row.name);
  const width = Math.min(48, Math.max(4, ...rows.map((row) => Array.from(label(row)).length)));
  const num = (text: string, n = 9) => text.padStart(n);
  let script: string | undefined;
  for (const row of rows) {
    if (row.script !== script) {
      script = row.script;
      process.stdout.write(`${script === rows[0]!.script ? '' : '\n'}${s.bold(safe(script))}\n`);
      process.stdout.write(s.dim(`  ${'step'.padEnd(width)} ${num('runs', 5)} ${num('mean')} ${num('σ')} ${num('min')} ${num('max')}  last\n`));
    }
    const sd = row.stdDevMs === null ? '—' : `± ${formatDuration(row.stdDevMs)}`;
    process.stdout.write(
      `  ${fit(label(row), width).padEnd(width)} ${num(String(row.count), 5)} ${num(formatDuration(row.meanMs))} ${num(sd)} ${num(formatDuration(row.minMs))} ${num(formatDuration(row.maxMs))}  ${sparkline(row.lastDurationsMs)}\n`,
    );
  }
}

/** The last durations as ▁▂▃▄▅▆▇█, oldest first. */
function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const bars = '▁▂▃▄▅▆▇█';
  return values.map((v) => bars[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * 7)]).join('');
}

export async function pruneCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { keep: { value: true }, 'max-mb': { value: true }, db: { value: true } });
  const keep = numberOption(args, 'keep', { min: 0 });
  const maxMb = numberOption(args, 'max-mb', { min: 0 });
  if (keep === undefined && maxMb === undefined) throw new UserError('usage: stepflow prune [--keep N] [--max-mb MB]');
  const store = openCliStore(args);
  try {
    const result = store.prune({ ...(keep !== undefined ? { maxRuns: keep } : {}), ...(maxMb !== undefined ? { maxBytes: maxMb * 1024 * 1024 } : {}) });
    process.stdout.write(`deleted ${result.deletedRuns} run(s)\n`);
    return 0;
  } finally {
    store.close();
  }
}

function printRun(run: RunRecord, s: Style): void {
  const out = (text: string) => process.stdout.write(text + '\n');
  out(`${s.bold(safe(run.script))} ${run.args.map(safe).join(' ')}`);
  out(`  run ${run.id}  ${statusText(run.status, s)}  ${formatDuration(run.durationMs)}  exit ${run.signal ?? run.exitCode ?? '—'}  ${run.lineCount} lines${run.profile ? `  profile ${safe(run.profile)}` : ''}`);
  out(`  started ${run.startedAt}  in ${safe(run.cwd)}`);
  if (run.error) out(`  ${s.red('error:')} ${safe(run.error.message)}`);
  for (const warning of run.warnings) out(`  ${s.yellow('⚠')} ${safe(warning.message)}`);
  const walk = (steps: StepRecord[], depth: number) => {
    for (const step of steps) {
      const indent = '  '.repeat(depth + 1);
      // Shown like every view shows it: failed when a step inside it failed (protocol/results.ts).
      const note = shownStatusNote(step);
      out(`${indent}${statusMark(shownStatus(step), s)} ${safe(step.name)} ${s.dim(formatDuration(step.durationMs))}${note ? ` ${s.red(`— ${note}`)}` : ''}`);
      if (step.error) out(`${indent}    ${s.red(safe(step.error.message))}${step.error.file ? s.dim(` at ${safe(step.error.file)}:${step.error.line ?? ''}`) : ''}`);
      for (const warning of step.warnings) out(`${indent}    ${s.yellow('⚠')} ${safe(warning.message)}`);
      walk(step.children, depth + 1);
    }
  };
  walk(run.steps, 0);
  for (const artifact of run.artifacts) {
    out(`  ${s.cyan('◆')} ${safe(artifact.path)}${artifact.description ? ` — ${safe(artifact.description)}` : ''}${artifact.step ? s.dim(` (${safe(artifact.step)})`) : ''}`);
  }
  if (run.summary) {
    // The Markdown as written ($GITHUB_STEP_SUMMARY): readable in a terminal as it is, each
    // line made safe (no escape sequence of the script reaches the terminal).
    out('');
    out(`  ${s.bold('Summary')}`);
    for (const line of run.summary.replace(/\s+$/, '').split(/\r?\n/)) out(`    ${safe(line)}`);
  }
}

function statusMark(status: string, s: Style): string {
  if (status === 'succeeded') return s.green('✓');
  if (status === 'running') return s.cyan('…');
  if (status === 'cancelled') return s.yellow('■');
  return s.red('✗');
}

function statusText(status: string, s: Style): string {
  return `${statusMark(status, s)} ${status}`;
}
