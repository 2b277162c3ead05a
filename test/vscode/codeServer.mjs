// Helpers to run a real VS Code here: code-server (VS Code's server + web workbench, installed
// into .vscode-test/ by scripts/install-code-server.mjs) and Debian's Chromium driven by
// playwright-core. See docs/testing.md, "Testing in a real VS Code".
// Which code-server (the minimum or the newest VS Code, each on its own Node) is
// opts.codeServer, else $STEPFLOW_CODE_SERVER, else the minimum: the launcher and the UI tests
// run unchanged on either.
//
//   const cs = await startCodeServer({ workspace: '/abs/folder', env: { FOO: '1' } });
//   const browser = await launchChromium();
//   await browser.page.goto(`${cs.url}/?folder=${encodeURIComponent('/abs/folder')}`);
//   …
//   await browser.close(); await cs.stop();
//
// Both use throw-away HOME / XDG dirs so nothing is written into the real home.
// The extension host is a child of code-server and inherits its environment: pass variables
// the tests need (e.g. STEPFLOW_COUNTS_FILE) through `env`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureCodeServer } from '../../scripts/install-code-server.mjs';

export const CHROMIUM_PATH = process.env.STEPFLOW_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** User settings for a quiet, deterministic workbench (opts.settings adds to / overrides them). */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  // Newer VS Code opens a Chat view in the secondary side bar and starts an agent host: off,
  // so the workbench looks and loads alike on both versions (older ones ignore these keys).
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** A temporary home with XDG dirs; returns the env vars pointing at it. */
export function tempHomeEnv(root) {
  const home = path.join(root, 'home');
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
  };
  for (const dir of Object.values(env)) fs.mkdirSync(dir, { recursive: true });
  return env;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

// Variables that change what code-server does: $PORT overrides --bind-addr; VSCODE_IPC_HOOK_CLI
// (set in VS Code's own terminals) turns `code-server` into a client of the outer instance.
function cleanEnv(env) {
  const out = { ...env };
  for (const k of Object.keys(out)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete out[k];
  }
  for (const k of ['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'CODE_SERVER_CONFIG', 'GITHUB_TOKEN', 'npm_config_prefix']) delete out[k];
  return out;
}

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // detached: the group holds the extension host, ptys, …
  } catch {
    try { child.kill(signal); } catch {}
  }
}

/**
 * Starts code-server and resolves once it answers HTTP.
 * @param {{ codeServer?: 'minimum'|'newest', port?: number, workspace?: string, extensionsDir?: string, userDataDir?: string,
 *           settings?: Record<string,unknown>, env?: Record<string,string>, args?: string[], readyTimeoutMs?: number,
 *           log?: (line: string) => void, keepTemp?: boolean }} opts
 * @returns {Promise<{ url: string, port: number, pid: number, tmpDir: string, output: () => string,
 *                     codeServer: Awaited<ReturnType<typeof ensureCodeServer>>,
 *                     exited: Promise<{code: number|null, signal: string|null}>, stop: () => Promise<void> }>}
 */
export async function startCodeServer(opts = {}) {
  const codeServer = await ensureCodeServer(opts.codeServer);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-code-server-'));
  const homeEnv = tempHomeEnv(tmpDir);
  const userDataDir = opts.userDataDir ?? path.join(tmpDir, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(tmpDir, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile) || opts.settings) {
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...opts.settings }, null, 2));
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;

  let lastError;
  // A port picked by freePort() can be taken before code-server binds it: retry on a new one.
  for (let attempt = 0; attempt < (opts.port ? 1 : 3); attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOnce({ ...opts, codeServer, port, tmpDir, homeEnv, userDataDir, extensionsDir, readyTimeoutMs });
    } catch (err) {
      lastError = err;
      if (!/EADDRINUSE/.test(err.message)) break;
    }
  }
  if (!opts.keepTemp) fs.rmSync(tmpDir, { recursive: true, force: true });
  throw lastError;
}

async function startOnce({ codeServer, port, tmpDir, homeEnv, userDataDir, extensionsDir, readyTimeoutMs, workspace, env, args = [], log, keepTemp }) {
  const argv = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...args,
    ...(workspace ? [workspace] : []),
  ];
  // On the target's own Node: its extension host (a fork of it) runs there too.
  const child = spawn(codeServer.node, [codeServer.entry, ...argv], {
    // EXTENSIONS_GALLERY={} turns the marketplace (open-vsx.org, unreachable here) off.
    env: cleanEnv({ EXTENSIONS_GALLERY: '{}', ...process.env, ...homeEnv, ...env }),
    cwd: workspace && fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory() ? workspace : tmpDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let wake = () => {};
  const onData = (chunk) => {
    const s = chunk.toString('utf8');
    out += s;
    if (out.length > 1_000_000) out = out.slice(-500_000);
    if (log) for (const line of s.split('\n')) if (line.trim()) log(line);
    wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => { wake(); resolve({ code, signal }); }));
  // Make sure a crashing test process does not leave code-server behind.
  const onExit = () => killGroup(child, 'SIGKILL');
  process.on('exit', onExit);

  let stopped = null;
  const stop = () => {
    stopped ??= (async () => {
      process.off('exit', onExit);
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      try { process.kill(-child.pid, 'SIGKILL'); } catch {} // leftovers of its group (extension host, ptys)
      if (!keepTemp) fs.rmSync(tmpDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let dead = false;
  exited.then(() => { dead = true; });
  for (;;) {
    if (dead) {
      await stop();
      throw new Error(`code-server exited before it was ready (port ${port}):\n${out.slice(-4000)}`);
    }
    // /healthz answers as soon as the HTTP server is up.
    if ((await httpStatus(`${url}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${readyTimeoutMs} ms:\n${out.slice(-4000)}`);
    }
    // Wait for new output, its exit, or 100 ms — whichever comes first.
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 100);
      wake = () => { clearTimeout(t); resolve(); };
    });
    wake = () => {};
  }
  return { url, port, pid: child.pid, tmpDir, output: () => out, codeServer, exited, stop };
}

/**
 * Launches Debian's Chromium headless through playwright-core with a temporary profile.
 * @param {{ headless?: boolean, viewport?: {width:number,height:number}, args?: string[],
 *           keepTemp?: boolean }} opts
 * @returns {Promise<{ context: import('playwright-core').BrowserContext,
 *                     page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
export async function launchChromium(opts = {}) {
  const { chromium } = await import('playwright-core');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-chromium-'));
  const homeEnv = tempHomeEnv(tmpDir);
  const profile = path.join(tmpDir, 'profile');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: opts.headless ?? true,
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
      viewport: opts.viewport ?? { width: 1440, height: 900 },
      env: { ...process.env, ...homeEnv },
      timeout: 60_000,
    });
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    if (!fs.existsSync(CHROMIUM_PATH)) err.message += `\n(${CHROMIUM_PATH} is missing: run bash scripts/install-test-deps.sh)`;
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = null;
  const close = () => {
    closed ??= (async () => {
      await context.close().catch(() => {});
      if (!opts.keepTemp) fs.rmSync(tmpDir, { recursive: true, force: true });
    })();
    return closed;
  };
  return { context, page, close };
}

/**
 * Lets the web workbench in `page` honour the `payload`'s extensionDevelopmentPath and
 * extensionTestsPath. VS Code 1.100 always did; later releases (1.139 here) do so in a built
 * workbench only with the smoke-test driver enabled, which the server turns on for
 * `--enable-smoke-test-driver` — an option code-server's command line rejects. So the page
 * reads it the way the server would have written it: `developmentOptions.enableSmokeTestDriver`
 * in the workbench configuration (the `vscode-workbench-web-configuration` element's
 * `data-settings`, read once at start-up). The page itself is not rewritten: intercepting
 * it through page.route loses the connection-token cookie the server sets with it.
 * @param {import('playwright-core').Page} page
 */
export async function allowExtensionDevelopment(page) {
  await page.addInitScript(() => {
    const getAttribute = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (name) {
      const value = getAttribute.call(this, name);
      if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
      const config = JSON.parse(value);
      config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
      return JSON.stringify(config);
    };
  });
}

/** The vscode-remote URI of an absolute path on the code-server host. */
export function remoteUri(port, absPath) {
  const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/');
  return `vscode-remote://127.0.0.1:${port}${p.startsWith('/') ? p : `/${p}`}`;
}

/** Workbench URL for a folder (or a .code-workspace file), with an optional payload. */
export function workbenchUrl(server, { folder, payload } = {}) {
  const q = [];
  if (folder) {
    const key = folder.endsWith('.code-workspace') ? 'workspace' : 'folder';
    q.push(`${key}=${encodeURIComponent(path.resolve(folder))}`);
  } else {
    q.push('ew=true'); // an empty window, like desktop VS Code without a folder
  }
  if (payload) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.url}/?${q.join('&')}`;
}
