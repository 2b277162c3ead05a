// When a run fails, the StepFlow view opens it at the step where the failure starts (its
// ancestors expanded, the step selected), the way GitHub Actions opens the failed step.
// Runs started here are followed through their events; runs of other processes through
// their snapshots (when this window saw them running).
import * as vscode from 'vscode';
import { readConfig } from './config';
import type { RunsModel } from './runsModel';
import type { RunNode, RunsTreeProvider } from './runsTree';

export class FailureRevealer implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly revealed = new Set<string>();
  private readonly seenRunning = new Set<string>();
  private readonly revealedEmitter = new vscode.EventEmitter<RunNode>();
  /** Fires with the step node after it was revealed and selected (tests wait on it). */
  readonly onDidReveal = this.revealedEmitter.event;

  constructor(
    model: RunsModel,
    private readonly tree: RunsTreeProvider,
    private readonly view: vscode.TreeView<RunNode>,
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.revealedEmitter,
      model.onEvent((event) => {
        if (event.type === 'runStarted') this.seenRunning.add(event.runId);
        if (event.type === 'runFinished' && event.status === 'failed') this.schedule(event.runId);
      }),
      model.onSnapshot((records) => {
        for (const r of records) {
          if (r.status === 'running') this.seenRunning.add(r.id);
          else if (r.status === 'failed' && this.seenRunning.has(r.id)) this.schedule(r.id);
        }
      }),
    );
  }

  /** Reveals and selects the failing step of a run; resolves with its node (undefined: no failing step). */
  async reveal(runId: string): Promise<RunNode | undefined> {
    const node = this.tree.failingStepNode(runId);
    if (!node) return undefined;
    await this.tree.serialReveal(() => this.view.reveal(node, { select: true, focus: false, expand: true }));
    this.revealedEmitter.fire(node);
    return node;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private schedule(runId: string): void {
    if (this.revealed.has(runId) || !readConfig().revealOnRun) return;
    this.revealed.add(runId);
    this.seenRunning.delete(runId);
    // After the tree's own (throttled) refresh, so the reveal lands on rendered rows.
    setTimeout(() => void this.reveal(runId).catch((err) => this.log?.warn(`reveal failing step: ${String(err)}`)), 300);
  }
}
