// Builds the extension-host test suite: test/vscode/suite/index.ts and every
// test/vscode/suite/**/*.test.ts become dist/test/vscode/<name>.js (flat, so index.js finds the
// tests next to it). `vscode` and `mocha` stay external: the extension host provides `vscode`,
// and `mocha` resolves from the repo's node_modules. Other imports (helpers, extension modules)
// are bundled into each test file — to reach the running extension's own objects, use the API
// `activate` returns (vscode.extensions.getExtension('stepflow.stepflow')!.activate()).
//
//   node test/vscode/build.mjs            # or: import { buildVscodeTests } from './build.mjs'
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITE = path.join(ROOT, 'test', 'vscode', 'suite');
export const OUT_DIR = path.join(ROOT, 'dist', 'test', 'vscode');

function testFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

export async function buildVscodeTests({ production = false } = {}) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const entries = [path.join(SUITE, 'index.ts'), ...testFiles(SUITE)];
  const names = new Map();
  for (const e of entries) {
    const name = path.basename(e, '.ts');
    if (names.has(name)) throw new Error(`two suite files compile to ${name}.js: ${names.get(name)} and ${e}`);
    names.set(name, e);
  }
  // Start clean: index.js runs every *.test.js in the folder, stale ones included.
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    entryNames: '[name]',
    outdir: OUT_DIR,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: production ? false : 'linked',
    external: ['vscode', 'mocha', 'better-sqlite3', 'bufferutil', 'utf-8-validate'],
    define: { __STEPFLOW_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
    legalComments: 'none',
  });
  return { outDir: OUT_DIR, index: path.join(OUT_DIR, 'index.js'), tests: entries.length - 1 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildVscodeTests({ production: process.argv.includes('--production') });
  console.log(`built ${path.relative(ROOT, r.index)} + ${r.tests} test file(s) in ${path.relative(ROOT, r.outDir)}`);
}
