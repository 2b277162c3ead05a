// Starts the sidecar as a language server through vscode-languageclient. The sidecar needs
// a real Node ≥ 20 (better-sqlite3 is built for Node's ABI, not Electron's): in a Node
// extension host (code-server, remote) that is process.execPath; in desktop VS Code it is
// `stepflow.runtime.nodePath` or `node` on PATH. The Node, the database and the adoption
// grace are read at every (re)start, so a restart after a settings change (settingsWatcher.ts)
// uses the new ones.
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

export class SidecarStartError extends Error {}

/** Which Node runs the sidecar; throws SidecarStartError with what to do when none fits. */
export function findNode(config: StepflowConfig): string {
  const candidates = config.nodePath
    ? [config.nodePath]
    : process.versions.electron
      ? ['node']
      : [process.execPath];
  for (const candidate of candidates) {
    const major = nodeMajor(candidate);
    if (major !== undefined && major >= MIN_NODE_MAJOR) return candidate;
    if (major !== undefined) {
      throw new SidecarStartError(`StepFlow needs Node ≥ ${MIN_NODE_MAJOR}, but ${candidate} is Node ${major}. Install Node ${MIN_NODE_MAJOR}+ or set "stepflow.runtime.nodePath".`);
    }
  }
  throw new SidecarStartError(`StepFlow could not find Node.js (tried ${candidates.join(', ')}). Install Node ${MIN_NODE_MAJOR}+ or set "stepflow.runtime.nodePath".`);
}

function nodeMajor(command: string): number | undefined {
  if (command === process.execPath && !process.versions.electron) return Number(process.versions.node.split('.')[0]);
  try {
    const version = execFileSync(command, ['--version'], { encoding: 'utf8', timeout: 5000 }).trim();
    const major = Number(/^v(\d+)/.exec(version)?.[1]);
    return Number.isFinite(major) ? major : undefined;
  } catch {
    return undefined;
  }
}

/** The language client, and the Node its next start uses. */
export interface Sidecar {
  client: LanguageClient;
  /** Sets the Node the next (re)start runs the sidecar with (a checked one: findNode). */
  useNode(node: string): void;
  /** Whether a start with this Node and these settings would differ from the last start (false: a restart changes nothing). */
  wouldChange(node: string, config: StepflowConfig): boolean;
}

function initializationOptions(config: StepflowConfig): InitializationOptions {
  return { dbPath: config.databasePath || undefined, adoptGraceMs: config.adoptGraceMs };
}

export function createSidecarClient(
  context: vscode.ExtensionContext,
  config: StepflowConfig,
  log: vscode.LogOutputChannel,
): Sidecar {
  const node = findNode(config);
  const sidecar = context.asAbsolutePath('dist/sidecar.js');
  // The client reads these objects at every start: changing `command` changes the next one.
  const run: Executable = { command: node, args: [sidecar, 'lsp', '--stdio'] };
  const debug: Executable = { command: node, args: ['--enable-source-maps', sidecar, 'lsp', '--stdio'] };
  let restarts: number[] = [];
  /** What the last start ran with. */
  let started: { node: string; options: InitializationOptions } | undefined;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...SCRIPT_LANGUAGES.map((language) => ({ scheme: 'file', language })),
      { scheme: 'file', pattern: '**/*.{sh,bash,zsh,py,js,mjs,cjs,ts,ps1,rb,pl}' },
    ],
    outputChannel: log,
    // A function: evaluated at every start, so a restart picks up a changed database or grace.
    initializationOptions: (): InitializationOptions => {
      const options = initializationOptions(readConfig());
      started = { node: run.command, options };
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
    useNode: (next) => {
      run.command = next;
      debug.command = next;
    },
    wouldChange: (next, now) => {
      const options = initializationOptions(now);
      return !started || started.node !== next || started.options.dbPath !== options.dbPath || started.options.adoptGraceMs !== options.adoptGraceMs;
    },
  };
}
