// Starts the sidecar as a language server through vscode-languageclient, on one of two
// runtimes (`stepflow.runtime.mode`, docs/architecture.md "Which runtime runs the sidecar"):
// - a Node ≥ 20: in a Node extension host (code-server, remote) process.execPath; in desktop
//   VS Code `stepflow.runtime.nodePath` or `node` on PATH. The sidecar stores through
//   better-sqlite3 where its native addon loads, else through node:sqlite;
// - VS Code's own runtime: process.execPath run as Node (ELECTRON_RUN_AS_NODE=1), storing
//   through Node's built-in node:sqlite — nothing to install, from VS Code 1.101 (Electron 35,
//   Node 22.15) on.
// `auto` takes a Node where one is found and VS Code's runtime otherwise. The runtime, the
// database and the adoption grace are read at every (re)start, so a restart after a settings
// change (settingsWatcher.ts) uses the new ones.
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  type Executable,
} from 'vscode-languageclient/node';
import type { InitializationOptions } from '../sidecar/protocol/lsp';
import { readConfig, type StepflowConfig } from './config';

const SCRIPT_LANGUAGES = ['shellscript', 'python', 'javascript', 'typescript', 'powershell', 'ruby', 'perl'];
const MIN_NODE_MAJOR = 20;
/** The first VS Code whose own runtime has a usable node:sqlite (docs/architecture.md). */
export const MIN_VSCODE_FOR_OWN_RUNTIME = '1.101';

export class SidecarStartError extends Error {}

/** What runs the sidecar: a command and what its environment adds. */
export interface SidecarRuntime {
  command: string;
  env: Record<string, string>;
  /** For the log: "Node 22.15.1 (node on PATH)", "VS Code's own runtime (Node 22.15.1, node:sqlite)". */
  description: string;
}

const HOW_TO_FIX = `Install Node ${MIN_NODE_MAJOR}+ (on PATH, or named in "stepflow.runtime.nodePath"), or update VS Code to ${MIN_VSCODE_FOR_OWN_RUNTIME} or later, whose own runtime needs no Node.`;

/** Which runtime runs the sidecar; throws SidecarStartError with what to do when none fits. */
export function findRuntime(config: StepflowConfig): SidecarRuntime {
  if (config.runtimeMode === 'vscode') {
    const own = ownRuntime();
    if (typeof own === 'string') throw new SidecarStartError(`"stepflow.runtime.mode" is "vscode", but ${own}. ${HOW_TO_FIX}`);
    return own;
  }
  const found = findNode(config);
  if (typeof found !== 'string') return found;
  if (config.runtimeMode === 'auto' && !config.nodePath) {
    const own = ownRuntime();
    if (typeof own !== 'string') return own;
    throw new SidecarStartError(`StepFlow ${found}, and ${own}. ${HOW_TO_FIX}`);
  }
  throw new SidecarStartError(`StepFlow ${found}. Install Node ${MIN_NODE_MAJOR}+ or set "stepflow.runtime.nodePath"${config.runtimeMode === 'node' ? '' : ', or "stepflow.runtime.mode": "vscode"'}.`);
}

/** A Node ≥ 20 to run the sidecar with, or why there is none (a sentence's end: "needs …", "could not find …"). */
function findNode(config: StepflowConfig): SidecarRuntime | string {
  const candidates = config.nodePath
    ? [config.nodePath]
    : process.versions.electron
      ? ['node']
      : [process.execPath];
  for (const candidate of candidates) {
    const version = nodeVersion(candidate);
    const major = version === undefined ? undefined : Number(version.split('.')[0]);
    if (major !== undefined && major >= MIN_NODE_MAJOR) {
      const where = candidate === process.execPath ? "the extension host's Node" : candidate === 'node' ? 'node on PATH' : candidate;
      // The extension host's own binary is started as vscode-languageclient starts a Node
      // module: with ELECTRON_RUN_AS_NODE=1, which a plain Node ignores and an Electron needs.
      const env = candidate === process.execPath ? ownEnv({ ELECTRON_RUN_AS_NODE: '1' }) : {};
      return { command: candidate, env, description: `Node ${version} (${where})` };
    }
    if (major !== undefined) return `needs Node ≥ ${MIN_NODE_MAJOR}, but ${candidate} is Node ${major}`;
  }
  return `could not find Node.js (tried ${candidates.join(', ')})`;
}

function nodeVersion(command: string): string | undefined {
  if (command === process.execPath && !process.versions.electron) return process.versions.node;
  try {
    const version = execFileSync(command, ['--version'], { encoding: 'utf8', timeout: 5000 }).trim();
    return /^v(\d+\.\d+\.\d+)/.exec(version)?.[1];
  } catch {
    return undefined;
  }
}

// Run by VS Code's own runtime as Node: prints its Node version once node:sqlite loaded with the
// SQL functions the store needs (Node ≥ 22.13); exits 1 without printing otherwise.
const PROBE = "try{const s=require('node:sqlite');if(typeof s.DatabaseSync.prototype.function!=='function')process.exit(1);new s.DatabaseSync(':memory:').close();process.stdout.write(process.versions.node)}catch{process.exit(1)}";

/**
 * Variables for the sidecar process alone, listed in STEPFLOW_SIDECAR_ENV so that the scripts
 * it runs do not inherit them (sidecar/runs/runSession.ts, inheritedEnv).
 */
function ownEnv(vars: Record<string, string>): Record<string, string> {
  return { ...vars, STEPFLOW_SIDECAR_ENV: Object.keys(vars).join(',') };
}

/** VS Code's own runtime as Node with node:sqlite, or why it cannot run the sidecar. */
function ownRuntime(): SidecarRuntime | string {
  const env = ownEnv({ ELECTRON_RUN_AS_NODE: '1', STEPFLOW_SQLITE_DRIVER: 'node:sqlite' });
  try {
    const version = execFileSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } }).trim();
    if (version) return { command: process.execPath, env, description: `VS Code's own runtime (Node ${version}, node:sqlite)` };
  } catch {
    // below
  }
  return `VS Code's own runtime (Node ${process.versions.node}) has no usable node:sqlite`;
}

/** The language client, and the runtime its next start uses. */
export interface Sidecar {
  client: LanguageClient;
  /** What the sidecar runs on (for the log). */
  readonly runtime: SidecarRuntime;
  /** Sets the runtime the next (re)start runs the sidecar with (a checked one: findRuntime). */
  useRuntime(runtime: SidecarRuntime): void;
  /** Whether a start with this runtime and these settings would differ from the last start (false: a restart changes nothing). */
  wouldChange(runtime: SidecarRuntime, config: StepflowConfig): boolean;
}

function initializationOptions(config: StepflowConfig): InitializationOptions {
  return { dbPath: config.databasePath || undefined, adoptGraceMs: config.adoptGraceMs };
}

export function createSidecarClient(
  context: vscode.ExtensionContext,
  config: StepflowConfig,
  log: vscode.LogOutputChannel,
): Sidecar {
  let runtime = findRuntime(config);
  const sidecar = context.asAbsolutePath('dist/sidecar.js');
  // The client reads these objects at every start: changing `command` and `options` changes the next one.
  // vscode-languageclient spawns an Executable with options.env as the whole environment (it
  // merges process.env only for a Node module), so the extension host's (PATH, HOME,
  // STEPFLOW_HOME) goes under the runtime's own variables: without it no interpreter was found
  // on PATH and the database fell back to the passwd home's.
  const run: Executable = { command: runtime.command, args: [sidecar, 'lsp', '--stdio'], options: { env: { ...process.env, ...runtime.env } } };
  const debug: Executable = { command: runtime.command, args: ['--enable-source-maps', sidecar, 'lsp', '--stdio'], options: { env: { ...process.env, ...runtime.env } } };
  log.info(`the sidecar runs on ${runtime.description}`);
  let restarts: number[] = [];
  /** What the last start ran with. */
  let started: { runtime: string; options: InitializationOptions } | undefined;
  const key = (r: SidecarRuntime) => JSON.stringify([r.command, r.env]);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...SCRIPT_LANGUAGES.map((language) => ({ scheme: 'file', language })),
      { scheme: 'file', pattern: '**/*.{sh,bash,zsh,py,js,mjs,cjs,ts,ps1,rb,pl}' },
    ],
    outputChannel: log,
    // A function: evaluated at every start, so a restart picks up a changed database or grace.
    initializationOptions: (): InitializationOptions => {
      const options = initializationOptions(readConfig());
      started = { runtime: key(runtime), options };
      return options;
    },
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      // A crash restarts the sidecar (which adopts the runs still alive, see docs/architecture.md);
      // a sidecar that keeps dying is a permanent problem, so stop instead of looping.
      closed: () => {
        const now = Date.now();
        restarts = restarts.filter((t) => now - t < 3 * 60_000);
        restarts.push(now);
        if (restarts.length > 4) {
          return { action: CloseAction.DoNotRestart, message: 'The StepFlow sidecar stopped 5 times in 3 minutes and will not be restarted. See the StepFlow output for why.' };
        }
        return { action: CloseAction.Restart, message: 'The StepFlow sidecar stopped; restarting it.' };
      },
    },
  };
  const client = new LanguageClient('stepflow', 'StepFlow', { run, debug }, clientOptions);
  return {
    client,
    get runtime() {
      return runtime;
    },
    useRuntime: (next) => {
      runtime = next;
      for (const executable of [run, debug]) {
        executable.command = next.command;
        executable.options = { env: { ...process.env, ...next.env } };
      }
      log.info(`the sidecar's next start runs on ${next.description}`);
    },
    wouldChange: (next, now) => {
      const options = initializationOptions(now);
      return !started || started.runtime !== key(next) || started.options.dbPath !== options.dbPath || started.options.adoptGraceMs !== options.adoptGraceMs;
    },
  };
}
