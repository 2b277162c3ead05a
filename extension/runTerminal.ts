// A terminal per run (Pseudoterminal): the run's output live, with its ANSI colours; for a
// finished run, the stored log replayed from the sidecar.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReadLogRequest } from '../sidecar/protocol/lsp';
import type { RunEvent } from '../sidecar/protocol/events';
import type { RunsModel } from './runsModel';

const REPLAY_PAGE = 5000;

export class RunTerminals implements vscode.Disposable {
  private readonly terminals = new Map<string, { terminal: vscode.Terminal; write: (text: string) => void }>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: LanguageClient, private readonly model: RunsModel) {
    this.disposables.push(
      model.onEvent((event) => this.onEvent(event)),
      vscode.window.onDidCloseTerminal((closed) => {
        for (const [id, entry] of this.terminals) if (entry.terminal === closed) this.terminals.delete(id);
      }),
    );
  }

  /** Opens (or focuses) the run's terminal; replays stored lines from `fromLine` when not live. */
  async show(runId: string, fromLine = 1): Promise<void> {
    const existing = this.terminals.get(runId);
    if (existing) {
      existing.terminal.show(true);
      return;
    }
    const run = this.model.get(runId);
    const entry = this.open(runId, run ? path.basename(run.record.script) : runId);
    entry.terminal.show(true);
    for (let from = Math.max(1, fromLine); ; from += REPLAY_PAGE) {
      const lines = await this.client.sendRequest(ReadLogRequest, { runId, fromLine: from, maxLines: REPLAY_PAGE });
      for (const line of lines) entry.write(line.text + '\n');
      if (lines.length < REPLAY_PAGE) break;
    }
  }

  /** A terminal that follows a run from its start (used when the run is started here). */
  follow(runId: string, script: string): void {
    this.open(runId, path.basename(script)).terminal.show(true);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const { terminal } of this.terminals.values()) terminal.dispose();
  }

  private onEvent(event: RunEvent): void {
    const entry = this.terminals.get(event.runId);
    if (!entry) return;
    if (event.type === 'output') entry.write(event.text);
    if (event.type === 'runFinished') entry.write(`\n\x1b[2m── run ${event.status} (exit ${event.signal ?? event.exitCode ?? '—'}) ──\x1b[0m\n`);
  }

  private open(runId: string, title: string) {
    const writer = new vscode.EventEmitter<string>();
    const buffered: string[] = [];
    let ready = false;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writer.event,
      open: () => {
        ready = true;
        for (const text of buffered.splice(0)) writer.fire(text);
      },
      close: () => writer.dispose(),
    };
    // Terminals need CRLF; the script's own CRs stay as they are.
    const write = (text: string) => {
      const crlf = text.replace(/\r?\n/g, '\r\n');
      if (ready) writer.fire(crlf);
      else buffered.push(crlf);
    };
    const terminal = vscode.window.createTerminal({ name: `StepFlow: ${title}`, pty, iconPath: new vscode.ThemeIcon('list-tree') });
    const entry = { terminal, write };
    this.terminals.set(runId, entry);
    return entry;
  }
}
