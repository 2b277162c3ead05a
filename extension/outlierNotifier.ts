// A notification when a step of a run in this window finishes critically slower than usual
// (setting `stepflow.stats.notifyCritical`, off by default: the tree and the status already
// show every outlier).
import * as vscode from 'vscode';
import { readConfig } from './config';
import type { RunsModel } from './runsModel';

export class OutlierNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;

  constructor(model: RunsModel) {
    this.subscription = model.onEvent((event) => {
      if (event.type !== 'warning' || event.warning.type !== 'outlier' || event.warning.severity !== 'critical') return;
      if (!readConfig().notifyCriticalOutliers) return;
      const run = model.get(event.runId);
      const step = event.stepId === null ? undefined : run?.steps.get(event.stepId);
      const where = step ? `"${step.name}"` : 'a step';
      void vscode.window
        .showWarningMessage(`StepFlow: ${where} was unusually slow: ${event.warning.message}`, 'Reveal Run')
        .then((choice) => (choice ? vscode.commands.executeCommand('stepflow.revealRun', event.runId) : undefined));
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
