// What `npm test` needs besides node_modules, installed the way `npm start` installs it:
// the Debian packages of scripts/install-test-deps.sh (Chromium, ruby, perl, build tools)
// and code-server in .vscode-test/ (scripts/install-code-server.mjs). Idempotent and quick
// when everything is there (a few dpkg queries and one package.json read).
//
// Where apt cannot install (macOS, other distributions, no root and no sudo) it says in
// one line what is missing and how to get it, and returns what is missing, so that
// test/run-all.mjs reports the suites that need it as not run instead of letting them fail
// somewhere deep inside a browser launch.
//
//   node scripts/prepare-tests.mjs            # prints what it did or what is missing
//   import { prepareTests } from './scripts/prepare-tests.mjs'
//   const { missing } = await prepareTests(); // e.g. ['chromium', 'code-server']
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_SERVER_DIR, CODE_SERVER_VERSION, ensureCodeServer } from './install-code-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The programs the suites run for real, and where a user gets them. */
const PROGRAMS = [
  { name: 'chromium', found: () => fs.existsSync('/usr/bin/chromium'), why: 'the browser the VS Code and UI suites drive' },
  { name: 'ruby', found: () => onPath('ruby'), why: 'the runner test of Ruby scripts' },
  { name: 'perl', found: () => onPath('perl'), why: 'the runner test of Perl scripts' },
];

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

function canUseApt() {
  if (!onPath('apt-get') || !onPath('dpkg-query')) return false;
  return process.getuid?.() === 0 || onPath('sudo');
}

/** The code-server version in the cache folder, read from its package.json (no process started). */
function cachedCodeServerVersion() {
  try {
    const pkg = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json');
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
  } catch {
    return null;
  }
}

/** Installs what it can; returns the names of what is still missing. */
export async function prepareTests({ log = console.log } = {}) {
  if (canUseApt()) {
    // Quiet ("all present") when nothing is missing; otherwise it names what it installs.
    const apt = spawnSync('bash', [path.join(root, 'scripts', 'install-test-deps.sh')], { stdio: 'inherit' });
    if (apt.status !== 0) log('npm test: installing the Debian packages failed (see above); the suites that need them will say so');
  }
  const missing = PROGRAMS.filter((p) => !p.found());
  if (missing.length > 0) {
    const list = missing.map((p) => `${p.name} (${p.why})`).join(', ');
    log(`npm test: missing ${list}: install them with your package manager (on Debian/Ubuntu: bash scripts/install-test-deps.sh)`);
  }

  let codeServer = cachedCodeServerVersion() === CODE_SERVER_VERSION;
  if (!codeServer) {
    log(`npm test: installing code-server ${CODE_SERVER_VERSION} (a real VS Code for the extension and UI suites) into .vscode-test/`);
    try {
      await ensureCodeServer();
      codeServer = true;
    } catch (err) {
      log(`npm test: code-server could not be installed: ${String(err.message).split('\n').join(' ')}`);
    }
  }
  return { missing: [...missing.map((p) => p.name), ...(codeServer ? [] : ['code-server'])] };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { missing } = await prepareTests();
  console.log(missing.length ? `missing: ${missing.join(', ')}` : 'everything the tests need is installed');
}
