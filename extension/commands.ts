// Commands: run the current/given script (optionally with a profile), rerun, cancel, show
// the log, open artifacts, reveal runs. Scripts never run in an untrusted workspace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CancelRequest, RUN_FILE_COMMAND, RUN_WITH_PROFILE_COMMAND, RunRequest, type RunParams } from '../sidecar/protocol/lsp';
import { RunConfigRequest, type ProfileChoice, type RunConfigAnswer } from '../sidecar/protocol/runConfig';
import { readConfig, type StepflowConfig } from './config';
import { showStartError } from './startErrors';
import type { RunsModel } from './runsModel';
import type { RunNode, RunsTreeProvider } from './runsTree';
import type { RunTerminals } from './runTerminal';
import { findStepSource } from './stepSource';
import { stepPath } from '../sidecar/protocol/results';

export interface RunLauncher {
  /** Starts a run of `target` (a file URI, a path or the active editor); resolves with its id. */
  run(target?: vscode.Uri | string, profileName?: string | null): Promise<string | undefined>;
  /**
   * Starts a run with these parameters (the settings fill in the rest); `ownTerminal: false`
   * when the caller shows the output itself (a task's terminal). Resolves with its id.
   */
  start(params: RunParams, options?: { ownTerminal?: boolean }): Promise<string | undefined>;
  /** Whether this window started the run (other windows and terminals share the database). */
  startedHere(runId: string): boolean;
  /** Fires when Run with profile… shows its picker (the tests read and accept it). */
  readonly onDidShowProfilePicker: vscode.Event<vscode.QuickPick<ProfileItem>>;
}

/** A row of the Run with profile… picker: the profile, where it came from, what it sets. */
export interface ProfileItem extends vscode.QuickPickItem {
  profile: ProfileChoice;
}

export interface CommandDeps {
  client: LanguageClient;
  model: RunsModel;
  tree: RunsTreeProvider;
  treeView: vscode.TreeView<RunNode>;
  terminals: RunTerminals;
  log: vscode.LogOutputChannel;
}

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): RunLauncher {
  const { client, model, tree, treeView, terminals, log } = deps;
  let last: RunParams | undefined;
  const startedHere = new Set<string>();
  const pickerShown = new vscode.EventEmitter<vscode.QuickPick<ProfileItem>>();
  context.subscriptions.push(pickerShown);

  const reveal = async (runId: string) => {
    if (!model.get(runId)) await waitForRun(model, runId);
    await tree.serialReveal(() => treeView.reveal(tree.runNode(runId), { select: true, focus: false, expand: true }));
  };

  const start = async (params: RunParams, { ownTerminal = true } = {}): Promise<string | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage('StepFlow does not run scripts in an untrusted workspace. Trust the workspace to run them.');
      return undefined;
    }
    try {
      const config = readConfig(scriptUri(params.script));
      // The settings as they are now, for the first run and every rerun alike; the sidecar
      // puts them over the script's stepflow.json (sidecar/runs/runConfig.ts).
      const { runId } = await client.sendRequest(RunRequest, { ...settingsParams(config, params.profileName), ...params });
      last = params;
      startedHere.add(runId);
      if (ownTerminal) terminals.follow(runId, params.script);
      if (config.revealOnRun) void reveal(runId).catch((err) => log.warn(`reveal: ${String(err)}`));
      return runId;
    } catch (err) {
      showStartError(err, params.script);
      return undefined;
    }
  };

  const launcher: RunLauncher = {
    start,
    startedHere: (runId) => startedHere.has(runId),
    onDidShowProfilePicker: pickerShown.event,
    async run(target, profileName = null) {
      const uri = await targetUri(target);
      if (!uri) {
        void vscode.window.showWarningMessage('StepFlow: open a script to run it.');
        return undefined;
      }
      const config = readConfig(uri);
      if (config.saveBeforeRun) {
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        if (open?.isDirty) await open.save();
      }
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      return start({ script: uri.fsPath, cwd: folder?.uri.fsPath ?? path.dirname(uri.fsPath), profileName });
    },
  };

  const runIdOf = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : isNode(arg) ? arg.runId : model.list().find((r) => r.record.status === 'running')?.record.id;

  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  register(RUN_FILE_COMMAND, (target?: vscode.Uri | string) => launcher.run(target));
  register(RUN_WITH_PROFILE_COMMAND, async (target?: vscode.Uri | string) => {
    const uri = await targetUri(target);
    if (!uri) {
      void vscode.window.showWarningMessage('StepFlow: open a script to run it.');
      return undefined;
    }
    let answer: RunConfigAnswer;
    try {
      // The profiles as a run of this script would resolve them, with where each came from.
      answer = await client.sendRequest(RunConfigRequest, { script: uri.fsPath, profiles: readConfig(uri).profiles });
    } catch (err) {
      showStartError(err, uri.fsPath);
      return undefined;
    }
    const picked = await pickProfile(answer, pickerShown);
    return picked ? launcher.run(uri, picked) : undefined;
  });
  register('stepflow.rerunLast', () => (last ? start(last) : launcher.run()));
  register('stepflow.rerun', async (arg?: RunNode | string) => {
    const run = model.get(runIdOf(arg) ?? '');
    if (!run) return undefined;
    return start({ script: run.record.script, args: run.record.args, cwd: run.record.cwd, profileName: run.record.profile });
  });
  register('stepflow.cancelRun', async (arg?: RunNode | string) => {
    const runId = runIdOf(arg);
    if (!runId) return false;
    const answer = await client.sendRequest(CancelRequest, { runId });
    if (!answer.cancelled) showCancelRefused(answer.reason);
    return answer.cancelled;
  });
  register('stepflow.showLog', (arg?: RunNode | string, fromLine?: number) => {
    const runId = runIdOf(arg);
    const line = fromLine ?? (isNode(arg) && arg.kind === 'step' ? model.get(arg.runId)?.steps.get(arg.stepId)?.firstLine : undefined);
    return runId ? terminals.show(runId, line ?? 1) : undefined;
  });
  // A click on a step row, as on a test in the Testing view: the row is selected and
  // expanded, and the step's STEP_START line shown in the script (the log is the row's inline
  // Show Log action). Resolves with the revealed range, for the tests.
  register('stepflow.revealStep', async (runId?: string, stepId?: number) => {
    const run = model.get(runId ?? '');
    const path = run && stepId !== undefined ? stepPath(run.record.steps, stepId) : null;
    if (!run || !path) return undefined;
    const node = tree.stepNodePath(run.record.id, stepId!).at(-1);
    if (node) void tree.serialReveal(() => treeView.reveal(node, { select: true, focus: false, expand: true })).catch((err) => log.warn(`reveal step: ${String(err)}`));
    const script = scriptUri(run.record.script);
    const range = await findStepSource(script, path.map((step) => step.name));
    if (!range) return undefined;
    await vscode.window.showTextDocument(script, { selection: range, preserveFocus: true, preview: true });
    return range;
  });
  register('stepflow.openArtifact', async (file?: string | RunNode) => {
    const artifactPath = typeof file === 'string' ? file : isNode(file) && file.kind === 'artifact' ? model.get(file.runId)?.record.artifacts[file.index]?.path : undefined;
    if (!artifactPath) return;
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(artifactPath));
    } catch {
      void vscode.window.showWarningMessage(`StepFlow: the artifact ${artifactPath} no longer exists.`);
      return;
    }
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(artifactPath));
  });
  register('stepflow.revealRun', (runId?: string) => (runId ? reveal(runId) : undefined));
  register('stepflow.refresh', () => model.load());
  register('stepflow.clearFinished', () => tree.clearFinished());
  return launcher;
}

/**
 * What the `stepflow.*` settings the user set add to a run of a script (the request's own
 * fields win). Only what was set: the sidecar fills the rest from the script's stepflow.json,
 * then its defaults.
 */
export function settingsParams(config: StepflowConfig, profileName: string | null | undefined): Omit<RunParams, 'script'> {
  const profile = profileName ? config.profiles[profileName] : undefined;
  return {
    ...(profile ? { profile } : {}),
    interpreters: config.interpreters,
    graceMs: config.cancelGraceMs,
    ...(config.timeoutSec > 0 ? { timeoutSec: config.timeoutSec } : {}),
    ...(config.separateStderr !== undefined ? { separateStderr: config.separateStderr } : {}),
    ...(config.statsMinSamples !== undefined ? { outlierMinSamples: config.statsMinSamples } : {}),
    ...(config.statsMinSlowdownMs !== undefined ? { outlierMinSlowdownMs: config.statsMinSlowdownMs } : {}),
    ...(config.statsMinSlowdownPercent !== undefined ? { outlierMinSlowdownPercent: config.statsMinSlowdownPercent } : {}),
    dialects: config.dialects,
    ...(config.maskEnv.length > 0 ? { maskEnv: config.maskEnv } : {}),
    ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
    ...(config.hubUrl ? { hubUrl: config.hubUrl } : {}),
  };
}

/**
 * The profiles as rows saying where each came from ("stepflow.json", "settings", …) and what
 * it sets; resolves with the name picked, or undefined.
 */
function pickProfile(answer: RunConfigAnswer, shown: vscode.EventEmitter<vscode.QuickPick<ProfileItem>>): Promise<string | undefined> {
  const picker = vscode.window.createQuickPick<ProfileItem>();
  picker.title = 'Run with Profile';
  picker.placeholder = answer.file ? `Run with which profile? (${answer.file})` : 'Run with which profile?';
  picker.matchOnDescription = true;
  picker.items = answer.profiles.map((profile) => ({ label: profile.name, description: profile.source, detail: profileDetail(profile), profile }));
  return new Promise((resolve) => {
    let picked: string | undefined;
    picker.onDidAccept(() => {
      picked = picker.selectedItems[0]?.profile.name;
      picker.hide();
    });
    picker.onDidHide(() => {
      picker.dispose();
      resolve(picked);
    });
    picker.show();
    shown.fire(picker);
  });
}

/** "LOG_LEVEL=debug DEBUG=1 · --verbose": what a profile sets. */
export function profileDetail(profile: ProfileChoice): string {
  const env = Object.entries(profile.env).map(([k, v]) => `${k}=${v}`).join(' ');
  return [env, profile.args.join(' ')].filter(Boolean).join(' · ') || 'no variables or arguments';
}

/**
 * A refused cancel says why, in the sidecar's words (sidecar/runs/processRecords.ts: another
 * machine, another user, a run already over…), instead of guessing.
 */
export function showCancelRefused(reason: string | undefined): void {
  void vscode.window.showWarningMessage(`StepFlow could not cancel the run: ${reason ?? 'it is not running'}.`);
}

function scriptUri(script: string): vscode.Uri {
  return script.startsWith('file:') ? vscode.Uri.parse(script) : vscode.Uri.file(script);
}

async function targetUri(target?: vscode.Uri | string): Promise<vscode.Uri | undefined> {
  if (target instanceof vscode.Uri) return target;
  if (typeof target === 'string') return target.includes('://') || target.startsWith('file:') ? vscode.Uri.parse(target) : vscode.Uri.file(target);
  // A button outside the editor (the walkthrough, a view) leaves no active editor: the
  // script visible beside it is the one meant.
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'file');
  return editor?.document.uri;
}

function isNode(value: unknown): value is RunNode {
  return typeof value === 'object' && value !== null && 'kind' in value && 'runId' in value;
}

function waitForRun(model: RunsModel, runId: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = model.onDidChange(() => {
      if (model.get(runId)) {
        sub.dispose();
        resolve();
      }
    });
  });
}
