// Settings take effect without reloading the window (settingEffects.ts says how each one
// applies): a change of the Node, the database or the adoption grace restarts the sidecar
// (when the values it would start with differ from the ones it runs with),
// a change of the runs shown reloads the StepFlow view's runs; the rest is read where it is
// used. Changes are applied one after the other, in the order they were made.
import * as vscode from 'vscode';
import { readConfig } from './config';
import { changedSettings } from './settingEffects';
import { SidecarStartError, findRuntime, type Sidecar, type SidecarRuntime } from './sidecarClient';
import type { RunsModel } from './runsModel';

export interface SettingsWatcherDeps {
  sidecar: Sidecar;
  model: RunsModel;
  log: vscode.LogOutputChannel;
  /** Whether this window started the run (its runs belong to the database it was started with). */
  startedHere(runId: string): boolean;
}

export class SettingsWatcher implements vscode.Disposable {
  private readonly applied = new vscode.EventEmitter<string[]>();
  private readonly subscription: vscode.Disposable;
  private queue: Promise<void> = Promise.resolve();
  /** Fires with the stepflow.* settings of a change once it has taken effect (the tests wait for it). */
  readonly onDidApply = this.applied.event;

  constructor(private readonly deps: SettingsWatcherDeps) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      const changed = changedSettings((setting) => event.affectsConfiguration(setting));
      const all = [...changed.restart, ...changed.reload, ...changed['next use']];
      if (all.length === 0) return;
      this.queue = this.queue
        .then(() => this.apply(changed.restart, changed.reload))
        .catch((err) => deps.log.error(`applying changed settings: ${String(err)}`))
        .then(() => this.applied.fire(all));
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.applied.dispose();
  }

  private async apply(restart: string[], reload: string[]): Promise<void> {
    const restarted = restart.length > 0 && (await this.restart(restart));
    // After a restart the new sidecar's runs replace the old ones (another database, maybe).
    if (restarted || reload.length > 0) await this.deps.model.load();
  }

  /**
   * Restarts the sidecar for a change of `settings`, unless it runs and the Node, database
   * and grace it would start with are the ones it runs with (a setting changed in a scope
   * another one overrides, or set to the value it had): a restart detaches the running runs
   * and, for the database, waits for this window's. Resolves with whether it restarted.
   */
  private async restart(settings: string[]): Promise<boolean> {
    const { sidecar, log } = this.deps;
    const config = readConfig();
    let runtime: SidecarRuntime;
    try {
      runtime = findRuntime(config);
    } catch (err) {
      // The sidecar running now stays; the message says what is wrong with the new Node.
      if (!(err instanceof SidecarStartError)) throw err;
      void vscode.window.showErrorMessage(err.message, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'stepflow.runtime');
      });
      return false;
    }
    if (sidecar.client.isRunning() && !sidecar.wouldChange(runtime, config)) {
      log.info(`${settings.join(', ')} changed, but the sidecar already runs with the same runtime, database and grace: no restart`);
      return false;
    }
    sidecar.useRuntime(runtime);
    if (settings.includes('stepflow.storage.databasePath')) await this.ownRunsEnded();
    log.info(`restarting the sidecar for ${settings.join(', ')}`);
    await sidecar.client.restart();
    return true;
  }

  /**
   * Resolves once no run this window started is running: they belong to the database they
   * were started with, and the sidecar of another database would not adopt them.
   */
  private ownRunsEnded(): Promise<void> {
    const { model, startedHere } = this.deps;
    const running = () => model.list().filter((run) => run.record.status === 'running' && startedHere(run.record.id)).length;
    if (running() === 0) return Promise.resolve();
    void vscode.window.showInformationMessage(`StepFlow switches to the new database when the ${running()} running run(s) started here have ended.`);
    return new Promise((resolve) => {
      const sub = model.onDidChange(() => {
        if (running() > 0) return;
        sub.dispose();
        resolve();
      });
    });
  }
}
