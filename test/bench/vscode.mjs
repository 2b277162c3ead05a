// Runs the extension-host benchmark (test/vscode/bench/index.ts) in a real VS Code: code-server
// with headless Chromium, through test/vscode/runIntegration.mjs with a custom
// extensionTestsPath. The suite is bundled into a scratch folder (not dist/test/vscode, which
// belongs to the CI suite); the workspace is a scratch copy holding latency.js only (no
// activation event of StepFlow fires there, so activation is measured cold); STEPFLOW_HOME
// points at a fresh folder, so the sidecar starts on an empty database.
//   node test/bench/vscode.mjs        → prints the figures as JSON
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BENCH_SUITE = path.join(ROOT, 'test', 'vscode', 'bench');

/** @param {{ log?: (msg: string) => void }} opts */
export async function benchVscode({ log = () => {} } = {}) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: npm run build first');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-vscode-'));
  try {
    const suiteDir = path.join(scratch, 'suite');
    await esbuild.build({
      entryPoints: { index: path.join(BENCH_SUITE, 'index.ts') },
      outdir: suiteDir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      logLevel: 'warning',
    });
    const workspace = path.join(scratch, 'workspace');
    fs.mkdirSync(workspace);
    fs.copyFileSync(path.join(BENCH_SUITE, 'latency.js'), path.join(workspace, 'latency.js'));
    const home = path.join(scratch, 'stepflow-home');
    fs.mkdirSync(home);
    const out = path.join(scratch, 'bench.json');

    const { runIntegration } = await import('../vscode/runIntegration.mjs');
    log('vscode: starting code-server + Chromium with the bench suite');
    const t0 = performance.now();
    const code = await runIntegration({
      extensionTestsPath: path.join(suiteDir, 'index.js'),
      workspace,
      env: { STEPFLOW_HOME: home, STEPFLOW_BENCH_OUT: out },
    });
    const wallMs = performance.now() - t0;
    const result = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
    if (code !== 0 || !result || result.error) {
      throw new Error(`the extension-host bench failed (exit ${code})${result?.error ? `: ${result.error}` : ''}`);
    }
    return { ...result, harnessWallMs: wallMs, databaseUsed: fs.existsSync(path.join(home, 'stepflow.db')) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchVscode({ log: (m) => console.error(m) }), null, 2));
}
