#!/usr/bin/env node
// `npm run mutate [-- <module>…] [--force] [--no-typecheck] [--concurrency=N]`: Stryker
// mutation testing per module (see stryker.config.mjs for the modules and their tests,
// docs/testing.md "Mutation testing").
// Each module runs in its own Stryker process (STRYKER_MODULE=<module>), incrementally:
// reports/mutation/<module>.incremental.json remembers the last results, so a re-run only
// tests mutants in changed code or covered by changed tests (--force: all of them).
// Ends with a table of per-module scores; survivors are listed in
// reports/mutation/<module>.survivors.txt and the HTML reports are beside them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { modules } from '../stryker.config.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const noTypecheck = args.includes('--no-typecheck');
// Other options go to Stryker as they are, e.g. --force, --concurrency=1.
const strykerArgs = args.filter((a) => a.startsWith('--') && a !== '--no-typecheck');
const wanted = args.filter((a) => !a.startsWith('--'));
for (const name of wanted) {
  if (!(name in modules)) {
    console.error(`unknown module "${name}"; modules: ${Object.keys(modules).join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length ? wanted : Object.keys(modules);
const outDir = join(root, 'reports', 'mutation');
mkdirSync(outDir, { recursive: true });
const stryker = join(root, 'node_modules', '.bin', 'stryker');

/** Counts by status and the score Stryker reports: detected / (detected + undetected). */
function summarise(report) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0, Pending: 0 };
  const survivors = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const at = `${relative(root, join(root, file))}:${m.location.start.line}:${m.location.start.column}`;
        survivors.push(`${at}  ${m.status}  ${m.mutatorName}  ${JSON.stringify(m.replacement ?? '')}`);
      }
    }
  }
  const detected = counts.Killed + counts.Timeout;
  const undetected = counts.Survived + counts.NoCoverage;
  const score = detected + undetected === 0 ? null : (100 * detected) / (detected + undetected);
  return { counts, score, survivors };
}

const rows = [];
for (const name of names) {
  console.log(`\n=== mutation testing: ${name} ===`);
  const t0 = Date.now();
  const run = spawnSync(stryker, ['run', 'stryker.config.mjs', ...strykerArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, STRYKER_MODULE: name, ...(noTypecheck ? { STRYKER_TYPECHECK: '0' } : {}) },
  });
  const seconds = Math.round((Date.now() - t0) / 1000);
  const reportFile = join(outDir, `${name}.json`);
  if (run.status !== 0 || !existsSync(reportFile)) {
    rows.push({ name, error: `stryker exited with ${run.status ?? run.signal}`, seconds });
    continue;
  }
  const { counts, score, survivors } = summarise(JSON.parse(readFileSync(reportFile, 'utf8')));
  writeFileSync(join(outDir, `${name}.survivors.txt`), survivors.join('\n') + (survivors.length ? '\n' : ''));
  rows.push({ name, counts, score, seconds });
}

const pad = (s, n) => String(s).padStart(n);
console.log('\nmodule    score   killed timeout survived no-cov  errors  time');
let failed = false;
for (const r of rows) {
  if (r.error) {
    failed = true;
    console.log(`${r.name.padEnd(8)}  ${r.error} (${r.seconds} s)`);
    continue;
  }
  const c = r.counts;
  const score = r.score === null ? '   n/a' : `${r.score.toFixed(1)} %`.padStart(7);
  console.log(
    `${r.name.padEnd(8)} ${score} ${pad(c.Killed, 7)} ${pad(c.Timeout, 7)} ${pad(c.Survived, 8)} ${pad(c.NoCoverage, 6)} ${pad(c.CompileError + c.RuntimeError, 7)} ${pad(r.seconds, 4)} s`,
  );
}
console.log(`\nsurvivors: reports/mutation/<module>.survivors.txt · HTML: reports/mutation/<module>.html`);
process.exit(failed ? 1 : 0);
