// One notification when a long run started in this window ends while the window is not
// focused ("build.sh failed at Link after 2 m 10 s" · Show), as terminals and tasks announce
// a long command. Never one per step, never for a short run or one the user is watching.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunFinishedEvent } from '../sidecar/protocol/events';
import { formatDuration } from '../sidecar/protocol/format';
import type { StepRecord } from '../sidecar/protocol/model';
import { firstFailingStep } from '../sidecar/protocol/results';
import { readConfig } from './config';
import type { RunsModel } from './runsModel';

export interface FinishNotifierDeps {
  model: RunsModel;
  startedHere(runId: string): boolean;
  /** Whether the window has focus now (`vscode.window.state.focused`; a test can replace it). */
  windowFocused?: () => boolean;
}

export class FinishNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  /** The texts shown, newest last: what the extension-host tests read. */
  readonly shown: string[] = [];
  windowFocused: () => boolean;

  constructor(private readonly deps: FinishNotifierDeps) {
    this.windowFocused = deps.windowFocused ?? (() => vscode.window.state.focused);
    this.subscription = deps.model.onEvent((event) => {
      if (event.type === 'runFinished') this.onFinished(event);
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private onFinished(event: RunFinishedEvent): void {
    if (!this.deps.startedHere(event.runId) || this.windowFocused()) return;
    if (event.durationMs < readConfig().notifyLongRunMs) return;
    const run = this.deps.model.get(event.runId);
    const script = run ? path.basename(run.record.script) : event.runId;
    const text = finishedText(script, event, run ? [...run.steps.values()] : []);
    this.shown.push(text);
    const show = event.status === 'failed' || event.status === 'timed_out' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
    void show(text, 'Show').then((choice) => (choice ? vscode.commands.executeCommand('stepflow.revealRun', event.runId) : undefined));
  }
}

/** "build.sh failed at Link after 2 m 10 s", "build.sh succeeded after 45.2 s". */
export function finishedText(script: string, event: Pick<RunFinishedEvent, 'status' | 'durationMs'>, steps: readonly StepRecord[]): string {
  const failing = event.status === 'failed' ? firstFailingStep(steps) : null;
  const how = event.status.replace('_', ' ');
  return `${script} ${how}${failing ? ` at ${failing.name}` : ''} after ${formatDuration(event.durationMs)}`;
}
