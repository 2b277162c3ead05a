// Editor intelligence latency: figures, not pass/fail. Run: npx tsx test/bench/lsp.bench.ts
// (after `npm run build` for the JSON-RPC rows). Aims: diagnostics of a 5,000-line
// script after an edit ≤ 20 ms in the server; completion ≤ 10 ms.
//   in-process   analyze + diagnostics (what the server does on didChange), completion on a
//                cached analysis (the server analysed the edit already) and on a fresh one
//   JSON-RPC     didChange → publishDiagnostics, and a completion request, against the built
//                sidecar over stdio (includes serialisation and the pipe)
//   old vs new   --baseline <checkout>: the same in-process rows, in the same run, with the
//                analysis of another checkout of StepFlow (e.g. `git worktree add /tmp/old
//                <commit>` before the tree-sitter analysis; tsx only, it loads .ts sources)
//   whole file   the same-run baseline: the same analysis with the document kept in one piece
//                (every edit reparses and re-extracts the whole file); --no-whole leaves it out
//   full parse   the same edit analysed under a new URI each round: no previous tree to reuse
//   languages    shell, python, javascript, powershell, ruby (5,000 lines each)
//   npx tsx test/bench/lsp.bench.ts [--rounds 40] [--warmup 15] [--baseline dir] [--no-whole] [--json]
// --json: the human table goes to stderr and the last stdout line is one JSON object of figures
// (what test/bench/run.mjs reads).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyze } from '../../sidecar/lsp/markers/analysis';
import { completionItems } from '../../sidecar/lsp/markers/completion';
import { markerProblems } from '../../sidecar/lsp/markers/diagnostics';
import { tuning } from '../../sidecar/lsp/markers/syntax/documentTrees';
import { loadGrammars } from '../../sidecar/lsp/markers/syntax/grammars';
import { LspClient, SIDECAR, fileUri } from '../support/lspClient';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const json = argv.includes('--json');
const baselineDir = argv.includes('--baseline') ? path.resolve(argv[argv.indexOf('--baseline') + 1]!) : null;

interface Analyser {
  label: string;
  analyze: typeof analyze;
  markerProblems: (a: never) => unknown;
  completionItems: (a: never, offset: number, position: { line: number; character: number }) => unknown;
}
const analysers: Analyser[] = [{ label: 'tree-sitter', analyze, markerProblems: markerProblems as Analyser['markerProblems'], completionItems: completionItems as Analyser['completionItems'] }];
// The same-run baseline: the same analysis with the document in one piece, so that every edit
// reparses and re-extracts the whole file (what the server did before pieces; it also passed
// tree-sitter the old tree, which saved ~40 % of the parse: docs/performance.md).
if (!argv.includes('--no-whole')) {
  analysers.push({
    label: 'whole file',
    analyze: (text, languageId, uri) => {
      const saved = tuning.viewChars;
      tuning.viewChars = Number.MAX_SAFE_INTEGER;
      try {
        return analyze(text, languageId, uri);
      } finally {
        tuning.viewChars = saved;
      }
    },
    markerProblems: markerProblems as Analyser['markerProblems'],
    completionItems: completionItems as Analyser['completionItems'],
  });
}
if (baselineDir) {
  const load = (file: string) => require(path.join(baselineDir, 'sidecar', 'lsp', 'markers', file));
  analysers.push({ label: 'baseline', analyze: load('analysis').analyze, markerProblems: load('diagnostics').markerProblems, completionItems: load('completion').completionItems });
}
/** A baseline on tree-sitter has its own grammar module (its own loaded grammars): load them too. */
async function loadBaselineGrammars(): Promise<void> {
  if (!baselineDir) return;
  const file = path.join(baselineDir, 'sidecar', 'lsp', 'markers', 'syntax', 'grammars.ts');
  if (fs.existsSync(file)) await require(file).loadGrammars();
}
/** Human output: stdout, or stderr with --json (stdout then carries only the JSON). */
const say = (line: string) => (json ? process.stderr.write(line + '\n') : console.log(line));

const LINES = 5000;
const ROUNDS = opt('rounds', 40);
/** Rounds run first and not counted: the JIT warms up as it does in a long-lived server. */
const WARMUP = opt('warmup', 15);

type Language = 'shell' | 'python' | 'javascript' | 'powershell' | 'ruby';
const LANGUAGES: Language[] = ['shell', 'python', 'javascript', 'powershell', 'ruby'];

/** A realistic script of about LINES lines: steps, loops, functions, comments, output. */
function script(language: Language): string {
  const out: string[] = [];
  const PRINT = { shell: 'echo "%"', python: 'print("%")', javascript: 'console.log("%");', powershell: 'Write-Host "%"', ruby: 'puts "%"' };
  const print = (t: string, indent = '') => out.push(indent + PRINT[language].replace('%', t));
  if (language === 'shell') out.push('#!/usr/bin/env bash', 'set -euo pipefail');
  if (language === 'python') out.push('import os', 'import time', '');
  let i = 0;
  while (out.length < LINES) {
    i++;
    print(`STEP_START:Stage ${i}`);
    print(`META:ESTIMATED_DURATION:${i % 7}`);
    for (let k = 0; k < 8; k++) {
      if (language === 'shell') out.push(`# compile unit ${k}`, `gcc -c src/unit${k}.c -o out/unit${k}.o`);
      if (language === 'python') out.push(`# compile unit ${k}`, `os.system("gcc -c src/unit${k}.c")`);
      if (language === 'javascript') out.push(`// compile unit ${k}`, `run("gcc", ["-c", "src/unit${k}.c"]);`);
      if (language === 'powershell') out.push(`# compile unit ${k}`, `& gcc -c "src/unit${k}.c" -o "out/unit${k}.o"`);
      if (language === 'ruby') out.push(`# compile unit ${k}`, `system("gcc", "-c", "src/unit${k}.c")`);
    }
    if (language === 'shell') out.push('for f in out/*.o; do', `  echo "STEP_START:link $f"`, '  ld "$f"', `  echo "STEP_COMPLETE:link $f"`, 'done');
    if (language === 'python') out.push('for f in os.listdir("out"):', '    print(f"STEP_START:link {f}")', '    time.sleep(0)', '    print(f"STEP_COMPLETE:link {f}")');
    if (language === 'javascript') out.push('for (const f of files) {', '  console.log(`STEP_START:link ${f}`);', '  link(f);', '  console.log(`STEP_COMPLETE:link ${f}`);', '}');
    if (language === 'powershell') out.push('foreach ($f in Get-ChildItem out) {', '  Write-Host "STEP_START:link $f"', '  & ld $f', '  Write-Host "STEP_COMPLETE:link $f"', '}');
    if (language === 'ruby') out.push('Dir["out/*.o"].each do |f|', '  puts "STEP_START:link #{f}"', '  system("ld", f)', '  puts "STEP_COMPLETE:link #{f}"', 'end');
    print(`ARTIFACT:out/stage${i}.tar.gz:Stage ${i}`);
    print(`STEP_COMPLETE:Stage ${i}`);
    out.push('');
  }
  return out.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
}

type Kind = 'diagnostics' | 'completionCached' | 'completionFresh' | 'rpcDiagnostics' | 'rpcCompletion';
interface Row {
  what: string;
  kind: Kind;
  language: string;
  lines: number;
  median: number;
  p95: number;
  /** Median CPU time of this process (in-process rows): what the work costs when the machine is shared. */
  cpu: number | null;
  aim: number;
}
const rows: Row[] = [];
/** Per language: this analysis against a baseline (CPU, median of per-round ratios). */
const ratios: Array<{ language: string; lines: number; baseline: string; diagnostics: number; completionFresh: number }> = [];
const record = (what: string, kind: Kind, language: string, lines: number, samples: number[], aim: number, cpu: number[] | null = null) =>
  rows.push({ what, kind, language, lines, median: median(samples), p95: p95(samples), cpu: cpu ? median(cpu) : null, aim });

/** Runs fn, adding its wall time and CPU time (ms) to the lists when `keep`. */
function timed<T>(fn: () => T, wall: number[], cpu: number[], keep: boolean): T {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  if (keep) {
    wall.push(t1 - t0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  return result;
}

const EXT = { shell: ['.sh', 'shellscript'], python: ['.py', 'python'], javascript: ['.js', 'javascript'], powershell: ['.ps1', 'powershell'], ruby: ['.rb', 'ruby'] } as const;

async function main(): Promise<void> {
  await loadGrammars();
  await loadBaselineGrammars();
  for (const language of LANGUAGES) {
    const base = script(language);
    const lines = base.split('\n').length;
    const [ext, languageId] = EXT[language];
    // Per analyser; the analysers take turns round by round, so that load changes hit them alike.
    const runs = analysers.map((analyser) => ({
      ...analyser,
      uri: `file:///bench/${analyser.label.replace(/\W/g, '-')}/script${ext}`,
      diag: [] as number[],
      diagCpu: [] as number[],
      full: [] as number[],
      fullCpu: [] as number[],
      completeCached: [] as number[],
      completeCachedCpu: [] as number[],
      completeFresh: [] as number[],
      completeFreshCpu: [] as number[],
    }));
    for (let round = -WARMUP; round < ROUNDS; round++) {
      const text = base.replace('Stage 1"', `Stage 1${round}"`);
      const keep = round >= 0;
      // Completion at a statement start in the middle of the file.
      const mid = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
      const position = { line: text.slice(0, mid).split('\n').length - 1, character: 0 };
      const edited = text.replace('Stage 2"', `Stage 2${round}"`);
      for (const run of runs) {
        const { analyze: analyse, markerProblems: problems, completionItems: complete, uri } = run;
        // In-process: the work the server does on an edit (each round a different text).
        const a = timed(
          () => {
            const analysis = analyse(text, languageId, uri)!;
            problems(analysis as never);
            return analysis;
          },
          run.diag,
          run.diagCpu,
          keep,
        );
        if (run.label === 'tree-sitter') {
          timed(() => problems(analyse(text, languageId, `${uri}-${round}`) as never), run.full, run.fullCpu, keep);
        }
        timed(() => complete(a as never, mid, position), run.completeCached, run.completeCachedCpu, keep);
        timed(() => complete(analyse(edited, languageId, uri) as never, mid, position), run.completeFresh, run.completeFreshCpu, keep);
      }
    }
    for (const run of runs) {
      const tag = analysers.length > 1 ? `, ${run.label}` : '';
      record(`${language} ${lines} lines: analyse + diagnostics after an edit (in-process${tag})`, 'diagnostics', language, lines, run.diag, 20, run.diagCpu);
      if (run.full.length) record(`${language} ${lines} lines: same, full parse without a previous tree (in-process)`, 'diagnostics', language, lines, run.full, 20, run.fullCpu);
      record(`${language} ${lines} lines: completion, analysis cached (in-process${tag})`, 'completionCached', language, lines, run.completeCached, 10, run.completeCachedCpu);
      record(`${language} ${lines} lines: completion incl. fresh analysis (in-process${tag})`, 'completionFresh', language, lines, run.completeFresh, 10, run.completeFreshCpu);
    }
    // Ratios to each baseline, as medians of per-round ratios (CPU time: what the work costs on a shared machine).
    for (const other of runs.slice(1)) {
      const perRound = (x: number[], y: number[]) => median(x.map((v, i) => v / y[i]!));
      ratios.push({
        language,
        lines,
        baseline: other.label,
        diagnostics: perRound(runs[0]!.diagCpu, other.diagCpu),
        completionFresh: perRound(runs[0]!.completeFreshCpu, other.completeFreshCpu),
      });
    }
  }

  const rpc = fs.existsSync(SIDECAR);
  if (rpc) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-lsp-bench-'));
    const client = await LspClient.start(home);
    try {
      const base = script('shell');
      const uri = fileUri(path.join(home, 'bench.sh'));
      await client.open(uri, 'shellscript', base);
      const publish: number[] = [];
      const complete: number[] = [];
      const lines = base.split('\n');
      const middle = Math.floor(lines.length / 2);
      for (let round = -WARMUP; round < ROUNDS; round++) {
        // Type one character at the start of the middle line, then ask for completion there.
        const t0 = performance.now();
        const insert = Math.abs(round) % 2 === 0;
        await client.change(uri, insert ? 'S' : '', { start: { line: middle, character: 0 }, end: { line: middle, character: insert ? 0 : 1 } });
        if (round >= 0) publish.push(performance.now() - t0);
        const t1 = performance.now();
        await client.completion(uri, middle, Math.abs(round) % 2 === 0 ? 1 : 0);
        if (round >= 0) complete.push(performance.now() - t1);
      }
      record(`shell ${lines.length} lines: didChange → publishDiagnostics (JSON-RPC)`, 'rpcDiagnostics', 'shell', lines.length, publish, 20);
      record(`shell ${lines.length} lines: completion request (JSON-RPC)`, 'rpcCompletion', 'shell', lines.length, complete, 10);
    } finally {
      await client.stop();
      fs.rmSync(home, { recursive: true, force: true });
    }
  } else {
    say(`(no ${SIDECAR}: npm run build for the JSON-RPC rows)`);
  }

  const width = Math.max(...rows.map((r) => r.what.length));
  say(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores (wall times grow with it; CPU time much less)`);
  say(`${'measurement'.padEnd(width)}  median ms   p95 ms   CPU ms   aim ms`);
  for (const r of rows) {
    const cpu = r.cpu === null ? '—' : r.cpu.toFixed(2);
    say(`${r.what.padEnd(width)}  ${r.median.toFixed(2).padStart(9)}  ${r.p95.toFixed(2).padStart(7)}  ${cpu.padStart(7)}  ${String(r.aim).padStart(7)}`);
  }
  for (const r of ratios) {
    say(`${r.language}: CPU per edit ${r.diagnostics.toFixed(2)}× of ${r.baseline} (diagnostics), ${r.completionFresh.toFixed(2)}× (completion incl. fresh analysis)`);
  }
  if (json) process.stdout.write(JSON.stringify({ rounds: ROUNDS, warmup: WARMUP, rpc, rows, ratios }) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
