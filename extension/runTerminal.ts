// Terminals for runs, one per script and reused by its next run, as Tasks reuse theirs: a run
// started here is followed live, a finished run's stored log is replayed from the sidecar
// (from a step's first line when a step was asked for). The name says which run a terminal
// shows ("StepFlow: build.sh · 2026-12-02 09:01:23"), and marker lines are styled
// (markerStyling.ts). A terminal that is following a running run is never taken over: a
// second one for the same script opens beside it, as a busy task terminal is not reused.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReadLogRequest } from '../sidecar/protocol/lsp';
import type { RunEvent } from '../sidecar/protocol/events';
import { formatDateTime } from '../sidecar/protocol/format';
import { runEndLine, styleLogText, toTerminalNewlines } from './markerStyling';
import type { RunsModel } from './runsModel';

const REPLAY_PAGE = 5000;
/** Erases the screen and the scrollback: a reused terminal shows one run, the one its name says. */
const CLEAR = '\x1b[2J\x1b[3J\x1b[H';

interface ScriptTerminal {
  terminal: vscode.Terminal;
  script: string;
  /** The run shown, and from which log line (1 = all of it). */
  runId: string;
  fromLine: number;
  /** Live: output events of `runId` are written as they come. */
  following: boolean;
  /** The next log line to write (lines before it are on screen). */
  nextLine: number;
  /** Live events held while the stored log is being replayed. */
  queued: RunEvent[] | undefined;
  write(text: string): void;
  rename(name: string): void;
}

export class RunTerminals implements vscode.Disposable {
  private readonly terminals: ScriptTerminal[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** Replays in progress, so a new request for the same terminal stops the old one. */
  private replayToken = new WeakMap<ScriptTerminal, number>();

  constructor(
    private readonly client: LanguageClient,
    private readonly model: RunsModel,
  ) {
    this.disposables.push(
      model.onEvent((event) => this.onEvent(event)),
      vscode.window.onDidCloseTerminal((closed) => {
        const index = this.terminals.findIndex((t) => t.terminal === closed);
        if (index !== -1) this.terminals.splice(index, 1);
      }),
    );
  }

  /**
   * Shows the run's log in its script's terminal, from `fromLine`: the terminal already
   * showing it from there (or following it live) is just revealed; otherwise the script's
   * idle terminal is cleared and the stored log replayed into it — and, for a running run,
   * followed on from there.
   */
  async show(runId: string, fromLine = 1): Promise<vscode.Terminal> {
    const from = Math.max(1, fromLine);
    const showing = this.terminals.find((t) => t.runId === runId && (t.following || t.fromLine === from));
    if (showing) {
      showing.terminal.show(true);
      return showing.terminal;
    }
    const run = this.model.get(runId);
    const entry = this.claim(run?.record.script ?? runId, runId, run ? Date.parse(run.record.startedAt) : Date.now());
    entry.terminal.show(true);
    await this.replay(entry, from);
    return entry.terminal;
  }

  /** Follows a run started here from its first line, in its script's terminal. */
  follow(runId: string, script: string): vscode.Terminal {
    const run = this.model.get(runId);
    const entry = this.claim(script, runId, run ? Date.parse(run.record.startedAt) : Date.now());
    entry.terminal.show(true);
    // Lines the sidecar sent before this call are in the store: the replay picks them up.
    void this.replay(entry, 1);
    return entry.terminal;
  }

  /** The terminal showing a run (tests, reveal), if one does. */
  terminalOf(runId: string): vscode.Terminal | undefined {
    return this.terminals.find((t) => t.runId === runId)?.terminal;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const { terminal } of this.terminals) terminal.dispose();
  }

  private onEvent(event: RunEvent): void {
    for (const entry of this.terminals) {
      if (entry.runId !== event.runId || !entry.following) continue;
      if (entry.queued) entry.queued.push(event);
      else this.writeEvent(entry, event);
    }
  }

  private writeEvent(entry: ScriptTerminal, event: RunEvent): void {
    if (event.type === 'runStarted') entry.rename(terminalName(event.script, event.startedAt));
    if (event.type === 'output') {
      // Lines already replayed from the store are not written twice.
      const skip = Math.max(0, entry.nextLine - event.firstLine);
      if (skip >= event.lineCount) return;
      const text = skip === 0 ? event.text : event.text.split('\n').slice(skip).join('\n');
      entry.write(styleLogText(text));
      entry.nextLine = event.firstLine + event.lineCount;
    }
    if (event.type === 'runFinished') {
      entry.following = false;
      entry.write(runEndLine(event.status, event.signal ?? event.exitCode));
    }
  }

  /**
   * Writes the stored log from `from` into the terminal; a running run's live events that
   * arrive meanwhile wait in `queued` and follow the replay without repeating its lines.
   */
  private async replay(entry: ScriptTerminal, from: number): Promise<void> {
    const runId = entry.runId;
    const token = (this.replayToken.get(entry) ?? 0) + 1;
    this.replayToken.set(entry, token);
    const current = () => this.replayToken.get(entry) === token && entry.runId === runId;
    entry.fromLine = from;
    entry.nextLine = from;
    entry.following = this.isRunning(runId);
    entry.queued = [];
    if (from > 1) entry.write(`\x1b[2m── from log line ${from} ──\x1b[0m\n`);
    try {
      for (let at = from; ; at += REPLAY_PAGE) {
        const lines = await this.client.sendRequest(ReadLogRequest, { runId, fromLine: at, maxLines: REPLAY_PAGE });
        if (!current()) return;
        entry.write(styleLogText(lines.map((line) => line.text + '\n').join('')));
        if (lines.length > 0) entry.nextLine = lines[lines.length - 1]!.line + 1;
        if (lines.length < REPLAY_PAGE) break;
      }
    } finally {
      if (current()) {
        const queued = entry.queued ?? [];
        entry.queued = undefined;
        for (const event of queued) this.writeEvent(entry, event);
        const run = this.model.get(runId)?.record;
        // A run that ended before this replay started sends no runFinished any more.
        if (!entry.following && run && run.status !== 'running' && !queued.some((e) => e.type === 'runFinished')) {
          entry.write(runEndLine(run.status, run.signal ?? run.exitCode));
        }
      }
    }
  }

  /**
   * The script's terminal for `runId`: the one already showing this run, else an idle one of
   * the script (cleared and renamed), else a new one.
   */
  private claim(script: string, runId: string, startedAt: number): ScriptTerminal {
    const key = scriptKey(script);
    const entry =
      this.terminals.find((t) => t.runId === runId) ??
      this.terminals.find((t) => scriptKey(t.script) === key && !(t.following && this.isRunning(t.runId)));
    if (entry) {
      entry.write(CLEAR);
      entry.rename(terminalName(script, startedAt));
      entry.runId = runId;
      entry.following = false;
      return entry;
    }
    const created = this.open(script, runId, terminalName(script, startedAt));
    this.terminals.push(created);
    return created;
  }

  private isRunning(runId: string): boolean {
    const status = this.model.get(runId)?.record.status;
    // A run this window just started may not be in the model yet: still running.
    return status === undefined || status === 'running';
  }

  private open(script: string, runId: string, name: string): ScriptTerminal {
    const writer = new vscode.EventEmitter<string>();
    const renamer = new vscode.EventEmitter<string>();
    const buffered: string[] = [];
    let ready = false;
    let current = name;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writer.event,
      onDidChangeName: renamer.event,
      open: () => {
        ready = true;
        for (const text of buffered.splice(0)) writer.fire(text);
      },
      close: () => {
        writer.dispose();
        renamer.dispose();
      },
    };
    const write = (text: string) => {
      const crlf = toTerminalNewlines(text);
      if (ready) writer.fire(crlf);
      else buffered.push(crlf);
    };
    // No name at creation: a name given there is fixed for good (VS Code ignores the pty's
    // later names), while a terminal named by its pty takes each new one, as a shell's title.
    const terminal = vscode.window.createTerminal({ name: '', pty, iconPath: new vscode.ThemeIcon('list-tree') });
    // VS Code takes a pty's name only once the terminal's process is ready on its side,
    // which `processId` resolving announces (a name fired in open() is lost).
    void terminal.processId.then(() => renamer.fire(current));
    const rename = (next: string) => {
      current = next;
      if (ready) renamer.fire(next);
    };
    return { terminal, script, runId, fromLine: 1, following: false, nextLine: 1, queued: undefined, write, rename };
  }
}

/** "StepFlow: build.sh · 2026-12-02 09:01:23" — the script and when the shown run started. */
export function terminalName(script: string, startedAt: number): string {
  return `StepFlow: ${path.basename(script)} · ${formatDateTime(startedAt)}`;
}

function scriptKey(script: string): string {
  return script.startsWith('file:') ? vscode.Uri.parse(script).fsPath : path.resolve(script);
}
