#!/usr/bin/env node
// Stand-in for the VS Code executable, for @vscode/test-electron's runTests({ vscodeExecutablePath })
// on machines where desktop VS Code cannot be downloaded. It understands the arguments runTests
// passes (--extensionDevelopmentPath=, --extensionTestsPath=, --extensions-dir=, a workspace
// folder or .code-workspace positional), starts code-server, opens the workbench in headless
// Chromium with the test `payload`, relays the extension host's output to stdout and exits with
// the suite's exit code. code-server and Chromium are stopped in every case.
//
//   node test/vscode/launcher.mjs [workspace] --extensionDevelopmentPath=/abs/ext \
//        --extensionTestsPath=/abs/dist/test/vscode/index.js
//
// Env:
//   STEPFLOW_CODE_SERVER          minimum (default) | newest: which VS Code (runIntegration.mjs sets it)
//   STEPFLOW_LAUNCHER_TIMEOUT_MS  overall deadline (default 1800000 = 30 min), then exit 124: a guard
//                                 against a hung workbench; each test has its own limit in the suite
//   STEPFLOW_LAUNCHER_VERBOSE=1   also print code-server's own log and the page's console
//   STEPFLOW_LAUNCHER_SCREENSHOT  where to save a screenshot on timeout/failure
//                                 (default test-results/launcher-failure.png under the cwd)
// Everything else in the environment reaches the extension host (via code-server).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { describeCodeServer } from '../../scripts/install-code-server.mjs';
import { allowExtensionDevelopment, launchChromium, remoteUri, startCodeServer, workbenchUrl } from './codeServer.mjs';

// 5 minutes was less than the whole suite takes on a loaded machine (it ended the newest
// VS Code's run half-way at load 30); a hung test is caught by its own limit in the suite.
const TIMEOUT_MS = Number(process.env.STEPFLOW_LAUNCHER_TIMEOUT_MS) || 1_800_000;
const VERBOSE = !!process.env.STEPFLOW_LAUNCHER_VERBOSE;
const SCREENSHOT = process.env.STEPFLOW_LAUNCHER_SCREENSHOT || path.resolve('test-results', 'launcher-failure.png');

// The workbench's own log lines arrive through codeAutomationLog too; these are its routine
// start-up chatter (shown with STEPFLOW_LAUNCHER_VERBOSE=1). Everything else is printed.
const WORKBENCH_CHATTER = [
  /^Resolving connection token \(/,
  /^Resolved connection token \(/,
  /^Creating a socket \(renderer-/,
  /^Updating additional builtin extensions cache$/,
  /^ChatSessionStore: /,
  /^\[Service Worker\] /,
  /^Ignoring fetching additional builtin extensions from gallery as it is disabled\.$/,
  // Newer VS Code (1.139): chat, agent host and account chatter, and start-up timings.
  /^\[(ChatModelSelection|AgentHost[^\]]*|AccountPolicyGate|reconnection-grace-time)\] /,
  /^Timed out waiting for authentication provider 'github' to register/,
  /^Creation of workbench contribution '[^']+' took \d+ms\.$/,
];

const say = (msg) => process.stderr.write(`[launcher] ${msg}\n`);

export function parseArgs(argv) {
  const res = { extensionDevelopmentPath: [], extensionTestsPath: null, extensionsDir: null, workspace: null, ignored: [] };
  const takesValue = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'extensions-dir', 'user-data-dir', 'locale']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      let [name, value] = a.slice(2).split(/=(.*)/s);
      if (value === undefined && takesValue.has(name) && i + 1 < argv.length) value = argv[++i];
      if (name === 'extensionDevelopmentPath') res.extensionDevelopmentPath.push(path.resolve(value));
      else if (name === 'extensionTestsPath') res.extensionTestsPath = path.resolve(value);
      else if (name === 'extensions-dir') res.extensionsDir = path.resolve(value);
      else res.ignored.push(a); // --no-sandbox, --disable-updates, --user-data-dir (a fresh one is used), …
    } else if (a.startsWith('-')) {
      res.ignored.push(a);
    } else if (!res.workspace) {
      res.workspace = path.resolve(a);
    } else {
      res.ignored.push(a);
    }
  }
  return res;
}

async function main(argv) {
  const args = parseArgs(argv);
  if (!args.extensionTestsPath) throw new Error('missing --extensionTestsPath=<abs path to the compiled suite index>');
  if (!args.extensionDevelopmentPath.length) throw new Error('missing --extensionDevelopmentPath=<extension folder>');
  if (VERBOSE && args.ignored.length) say(`ignoring ${args.ignored.join(' ')}`);

  let server = null;
  let browser = null;
  let finishing = null;
  const finish = (code, why, screenshot) => {
    finishing ??= (async () => {
      if (why) say(why);
      clearTimeout(timer);
      if (screenshot && browser) {
        try {
          fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
          await browser.page.screenshot({ path: SCREENSHOT, timeout: 10_000 });
          say(`screenshot of the workbench: ${SCREENSHOT}`);
        } catch {}
      }
      await browser?.close().catch(() => {});
      await server?.stop().catch(() => {});
      return code;
    })();
    return finishing;
  };
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  // Ends the run; a screenshot is saved when it did not end through codeAutomationExit.
  const end = (code, why, screenshot = code !== 0) => finish(code, why, screenshot).then(resolveDone);

  const timer = setTimeout(() => end(124, `timed out after ${TIMEOUT_MS} ms without the test run ending (STEPFLOW_LAUNCHER_TIMEOUT_MS)`), TIMEOUT_MS);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => end(sig === 'SIGINT' ? 130 : 143, `${sig}: stopping`));

  try {
    const t0 = Date.now();
    server = await startCodeServer({
      workspace: args.workspace ?? undefined,
      extensionsDir: args.extensionsDir ?? undefined,
      log: VERBOSE ? (l) => say(`code-server: ${l}`) : undefined,
    });
    if (finishing) return await done; // timed out / interrupted meanwhile
    say(`${describeCodeServer(server.codeServer)} at ${server.url} ready in ${Date.now() - t0} ms`);
    server.exited.then(({ code, signal }) => end(1, `code-server exited unexpectedly (${signal ?? code}):\n${server.output().slice(-4000)}`));

    browser = await launchChromium();
    if (finishing) return await done;
    const { page } = browser;
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      // args: the console arguments (mocha's reporter uses format strings: ["  %d passing (%s)", 4, "21ms"]).
      const text = Array.isArray(args) ? format(...args) : String(args);
      if (!VERBOSE && WORKBENCH_CHATTER.some((re) => re.test(text))) return;
      if (type === 'error' || type === 'warn') process.stderr.write(`${text}\n`);
      else process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => {
      end(Number(code) || 0, VERBOSE ? `test run ended with code ${code}` : undefined, false);
    });
    page.on('pageerror', (err) => VERBOSE && say(`page error: ${err.message}`));
    if (VERBOSE) page.on('console', (m) => say(`page ${m.type()}: ${m.text()}`));
    page.on('crash', () => end(1, 'the workbench page crashed'));

    const payload = [
      ...args.extensionDevelopmentPath.map((p) => ['extensionDevelopmentPath', remoteUri(server.port, p)]),
      ['extensionTestsPath', remoteUri(server.port, args.extensionTestsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    await allowExtensionDevelopment(page);
    // DOMContentLoaded waits for the workbench's module script: 1.139's is 15 MB, which a
    // loaded two-core machine took over a minute to serve and parse.
    await page.goto(workbenchUrl(server, { folder: args.workspace ?? undefined, payload }), { waitUntil: 'domcontentloaded', timeout: 180_000 });
  } catch (err) {
    if (!finishing) end(1, `failed: ${err.stack ?? err}`);
  }
  return await done;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      say(`failed: ${err.stack ?? err}`);
      process.exit(1);
    },
  );
}
