// VS Code entry point: starts the sidecar (a language server), and wires the run model to
// the tree view, status bar, terminals and commands. Everything is owned by the extension
// context's subscriptions, so deactivation disposes of all of it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { readConfig } from './config';
import { registerCommands, type RunLauncher } from './commands';
import { registerHistoryPanel, type HistoryPanels } from './historyPanel';
import { RunsModel } from './runsModel';
import { RunsTreeProvider, type RunNode } from './runsTree';
import { RunStatusBar } from './statusBar';
import { RunTerminals } from './runTerminal';
import { SidecarStartError, createSidecarClient, type Sidecar } from './sidecarClient';
import { SettingsWatcher } from './settingsWatcher';
import { registerReportCommand } from './report';
import { OutlierNotifier } from './outlierNotifier';
import { FailureRevealer } from './failureReveal';
import { registerTaskProvider } from './taskProvider';
import { FinishNotifier } from './finishNotifier';
import { COMPARED_KEY, FAILURE_SHOWN_KEY, registerWalkthrough } from './walkthrough';

/** What `activate` returns: used by the integration tests and by other extensions. */
export interface StepflowApi {
  client: LanguageClient;
  model: RunsModel;
  tree: RunsTreeProvider;
  launcher: RunLauncher;
  statusBar: RunStatusBar;
  treeView: vscode.TreeView<RunNode>;
  failures: FailureRevealer;
  finishes: FinishNotifier;
  terminals: RunTerminals;
  settings: SettingsWatcher;
  history: HistoryPanels;
  /** What the sidecar runs on: a Node, or VS Code's own runtime with node:sqlite (tests check the zero-install path by it). */
  sidecar: Sidecar;
}

export async function activate(context: vscode.ExtensionContext): Promise<StepflowApi | undefined> {
  const log = vscode.window.createOutputChannel('StepFlow', { log: true });
  context.subscriptions.push(log);
  return start(context, log);
}

async function start(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<StepflowApi | undefined> {
  let sidecar: Sidecar;
  try {
    sidecar = createSidecarClient(context, readConfig(), log);
  } catch (err) {
    const message = err instanceof SidecarStartError ? err.message : `StepFlow could not start its sidecar: ${String(err)}`;
    log.error(message);
    void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'stepflow.runtime');
    });
    // No window reload needed: a Node (or runtime mode) chosen in the settings starts StepFlow from here.
    const retry = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('stepflow.runtime')) return;
      retry.dispose();
      void start(context, log);
    });
    context.subscriptions.push(retry);
    return undefined;
  }
  const client: LanguageClient = sidecar.client;
  context.subscriptions.push(client);

  const model = new RunsModel(client, () => readConfig().runsInTree);
  const tree = new RunsTreeProvider(model, context.workspaceState);
  const treeView = vscode.window.createTreeView('stepflow.runs', { treeDataProvider: tree, showCollapseAll: true });
  const terminals = new RunTerminals(client, model);
  const statusBar = new RunStatusBar(model);
  context.subscriptions.push(model, tree, treeView, terminals, statusBar);
  const launcher = registerCommands(context, { client, model, tree, treeView, terminals, log });
  registerReportCommand(context, client, model);
  registerTaskProvider(context, launcher, model);
  const finishes = new FinishNotifier({ model, startedHere: launcher.startedHere });
  context.subscriptions.push(finishes);
  context.subscriptions.push(new OutlierNotifier(model));
  const failures = new FailureRevealer(model, tree, treeView, log);
  context.subscriptions.push(failures);
  const walkthrough = registerWalkthrough(context);
  context.subscriptions.push(failures.onDidReveal(() => walkthrough.markSeen(FAILURE_SHOWN_KEY)));
  const history = registerHistoryPanel(context, { client, model, log, onCompared: () => walkthrough.markSeen(COMPARED_KEY) });
  // Settings apply without a window reload (a restart of the sidecar where it reads them).
  const settings = new SettingsWatcher({ sidecar, model, log, startedHere: launcher.startedHere });
  context.subscriptions.push(settings);

  await client.start();
  // The model follows the sidecar's live feed: it subscribes by itself whenever a (re)started
  // sidecar says hello (extension/liveRuns.ts), the first time included; each ack is a fresh
  // snapshot. Subscribing here as well would have the sidecar read and send the runs twice.
  await model.loaded();
  log.info('StepFlow activated');
  return { client, model, tree, launcher, statusBar, treeView, failures, finishes, terminals, settings, history, sidecar };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions; disposing the client stops the sidecar.
}
