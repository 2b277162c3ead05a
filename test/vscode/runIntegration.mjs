// Runs the extension-host test suite with @vscode/test-electron's runTests — against code-server
// (via test/vscode/launcher.mjs standing in for the VS Code executable) by default, or against
// desktop VS Code where it can be downloaded.
//
//   node test/vscode/runIntegration.mjs [--code-server minimum|newest] [--workspace DIR] [--no-build]
//        [--extensionDevelopmentPath DIR] [--extensionTestsPath FILE]
//   import { runIntegration } from './test/vscode/runIntegration.mjs'
//   const code = await runIntegration({ workspace, env: { STEPFLOW_COUNTS_FILE: f } });
//
// Defaults: the repo as the extension (package.json main → dist/extension.js, built by
// `npm run build`), the suite built by test/vscode/build.mjs (dist/test/vscode/index.js), and a
// temporary copy of test/vscode/workspace/ (else examples/) as the workspace.
// --code-server (or $STEPFLOW_CODE_SERVER) picks the VS Code: the minimum (code-server 4.100.3
// on Node 20, the default) or the newest (scripts/install-code-server.mjs).
// Env: STEPFLOW_VSCODE = code-server (default) | desktop (runTests downloads VS Code
//      STEPFLOW_VSCODE_VERSION, default stable) | /path/to/code (a VS Code executable).
//      Everything in the environment (e.g. STEPFLOW_COUNTS_FILE) reaches the extension host.
import { runTests } from '@vscode/test-electron';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCodeServer, ensureCodeServer } from '../../scripts/install-code-server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const LAUNCHER = path.join(HERE, 'launcher.mjs');

/** An executable file that runs the launcher with this Node (runTests spawns it without a shell), on one code-server. */
function writeLauncherWrapper(dir, codeServer) {
  const file = path.join(dir, 'code');
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(file, `#!/bin/sh\nexport STEPFLOW_CODE_SERVER=${q(codeServer)}\nexec ${q(process.execPath)} ${q(LAUNCHER)} "$@"\n`, { mode: 0o755 });
  return file;
}

/**
 * @param {{ extensionDevelopmentPath?: string, extensionTestsPath?: string, workspace?: string,
 *           env?: Record<string,string>, launchArgs?: string[], vscode?: string,
 *           codeServer?: 'minimum'|'newest' }} opts
 * @returns {Promise<number>} the exit code of the test run
 */
export async function runIntegration(opts = {}) {
  const extensionDevelopmentPath = path.resolve(opts.extensionDevelopmentPath ?? ROOT);
  const extensionTestsPath = path.resolve(opts.extensionTestsPath ?? path.join(ROOT, 'dist', 'test', 'vscode', 'index.js'));
  const target = opts.vscode ?? process.env.STEPFLOW_VSCODE ?? 'code-server';
  if (!fs.existsSync(extensionTestsPath)) throw new Error(`no test suite at ${extensionTestsPath} (node test/vscode/build.mjs builds it)`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-vscode-run-'));
  try {
    let workspace = opts.workspace;
    if (!workspace) {
      workspace = path.join(scratch, 'workspace');
      // A fresh copy each run, so tests may write into it without dirtying the repo.
      const fixture = [path.join(HERE, 'workspace'), path.join(ROOT, 'examples')].find((d) => fs.existsSync(d));
      if (fixture) fs.cpSync(fixture, workspace, { recursive: true });
      else fs.mkdirSync(workspace);
    }
    const common = {
      extensionDevelopmentPath,
      extensionTestsPath,
      extensionTestsEnv: opts.env,
      launchArgs: [path.resolve(workspace), '--disable-extensions', ...(opts.launchArgs ?? [])],
    };
    let runOpts;
    if (target === 'code-server') {
      const codeServer = await ensureCodeServer(opts.codeServer); // install output before the run, not inside it
      // Said first, so a failure further down says which VS Code it was.
      console.log(`extension host on ${describeCodeServer(codeServer)}`);
      runOpts = { ...common, vscodeExecutablePath: writeLauncherWrapper(scratch, codeServer.name) };
    } else if (target === 'desktop') {
      runOpts = { ...common, version: process.env.STEPFLOW_VSCODE_VERSION || 'stable' };
    } else {
      runOpts = { ...common, vscodeExecutablePath: target };
    }
    try {
      return await runTests(runOpts);
    } catch (err) {
      if (typeof err?.code === 'number') return err.code; // TestRunFailedError: the suite failed
      if (err?.signal) return 1;
      throw err;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function parseCli(argv) {
  const o = { build: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const val = () => inline ?? argv[++i];
    if (flag === '--workspace') o.workspace = val();
    else if (flag === '--code-server') o.codeServer = val();
    else if (flag === '--extensionDevelopmentPath') o.extensionDevelopmentPath = val();
    else if (flag === '--extensionTestsPath') o.extensionTestsPath = val();
    else if (flag === '--no-build') o.build = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const o = parseCli(process.argv.slice(2));
    if (o.build && !o.extensionTestsPath) {
      const { buildVscodeTests } = await import('./build.mjs');
      await buildVscodeTests();
    }
    const main = JSON.parse(fs.readFileSync(path.join(o.extensionDevelopmentPath ?? ROOT, 'package.json'), 'utf8')).main;
    if (main && !fs.existsSync(path.resolve(o.extensionDevelopmentPath ?? ROOT, main)))
      console.error(`warning: the extension's main ${main} does not exist yet (npm run build)`);
    process.exitCode = await runIntegration(o);
  } catch (err) {
    console.error(err.stack ?? String(err));
    process.exitCode = 1;
  }
}
