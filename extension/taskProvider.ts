// Tasks: a `stepflow` task type. Every runnable script in the workspace is offered as a task
// ("Run Task" › stepflow), and a tasks.json entry `{ "type": "stepflow", "script": "build.sh" }`
// runs through StepFlow — live tree, history, statistics — in a terminal of the task's own
// (CustomExecution), so dependsOn, problem matchers, "Rerun Last Task" and the task's exit
// code work as for any shell task.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunParams } from '../sidecar/protocol/lsp';
import type { RunEvent } from '../sidecar/protocol/events';
import type { RunLauncher } from './commands';
import { runEndLine, styleLogText, toTerminalNewlines } from './markerStyling';
import type { RunsModel } from './runsModel';

export const TASK_TYPE = 'stepflow';

/** A tasks.json entry of type `stepflow` (package.json `taskDefinitions` declares the same). */
export interface StepflowTaskDefinition extends vscode.TaskDefinition {
  script: string;
  args?: string[];
  profile?: string;
  cwd?: string;
  env?: Record<string, string>;
}

/** Scripts the runner knows an interpreter for (sidecar/runner/interpreter.ts). */
const SCRIPT_GLOB = '**/*.{sh,bash,zsh,py,js,mjs,cjs,ts,ps1,rb,pl}';
const EXCLUDE_GLOB = '**/{node_modules,.git,.vscode-test,dist,out,.venv,venv,__pycache__}/**';
/** Enough for any real project's scripts; a huge monorepo would not want thousands of tasks. */
const MAX_OFFERED = 500;

export function registerTaskProvider(context: vscode.ExtensionContext, launcher: RunLauncher, model: RunsModel): void {
  const provider: vscode.TaskProvider = {
    async provideTasks(token) {
      const files = await vscode.workspace.findFiles(SCRIPT_GLOB, EXCLUDE_GLOB, MAX_OFFERED, token);
      return files
        .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
        .map((file) => {
          const folder = vscode.workspace.getWorkspaceFolder(file);
          const script = folder ? path.relative(folder.uri.fsPath, file.fsPath) : file.fsPath;
          return stepflowTask({ type: TASK_TYPE, script }, folder ?? vscode.TaskScope.Workspace, launcher, model);
        });
    },
    resolveTask(task) {
      const definition = task.definition as StepflowTaskDefinition;
      if (typeof definition.script !== 'string' || definition.script === '') return undefined;
      // Keep the task's own scope, name and problem matchers: VS Code matches them to tasks.json.
      const resolved = stepflowTask(definition, task.scope ?? vscode.TaskScope.Workspace, launcher, model, task.name);
      resolved.problemMatchers = task.problemMatchers;
      return resolved;
    },
  };
  context.subscriptions.push(vscode.tasks.registerTaskProvider(TASK_TYPE, provider));
}

function stepflowTask(
  definition: StepflowTaskDefinition,
  scope: vscode.WorkspaceFolder | vscode.TaskScope.Global | vscode.TaskScope.Workspace,
  launcher: RunLauncher,
  model: RunsModel,
  name = definition.script,
): vscode.Task {
  const folder = typeof scope === 'object' ? scope : vscode.workspace.workspaceFolders?.[0];
  const execution = new vscode.CustomExecution(async (resolved) => {
    const params = runParams({ ...definition, ...(resolved as Partial<StepflowTaskDefinition>) }, folder);
    return new StepflowTaskTerminal(params, launcher, model);
  });
  const task = new vscode.Task(definition, scope, name, TASK_TYPE, execution, []);
  task.detail = definition.profile ? `Run with StepFlow (${definition.profile})` : 'Run with StepFlow';
  return task;
}

/** A relative `script`/`cwd` is taken from the task's workspace folder, as for shell tasks. */
function runParams(definition: StepflowTaskDefinition, folder: vscode.WorkspaceFolder | undefined): RunParams {
  const base = folder?.uri.fsPath ?? process.cwd();
  const script = path.resolve(base, definition.script);
  return {
    script,
    cwd: definition.cwd ? path.resolve(base, definition.cwd) : base,
    ...(definition.args ? { args: definition.args.map(String) } : {}),
    ...(definition.env ? { env: definition.env } : {}),
    profileName: definition.profile ?? null,
  };
}

/**
 * The task's terminal: starts the run, writes its output as it arrives, and closes with the
 * script's exit code (what dependsOn and "the task failed" go by). Ctrl-C or "Terminate
 * Task" cancels the run (its whole process group, as the Cancel button does).
 */
class StepflowTaskTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private runId: string | undefined;
  private finished = false;
  private subscription: vscode.Disposable | undefined;

  constructor(private readonly params: RunParams, private readonly launcher: RunLauncher, private readonly model: RunsModel) {}

  async open(): Promise<void> {
    // Listen before starting: the first output can arrive before the run request's answer.
    const early: RunEvent[] = [];
    this.subscription = this.model.onEvent((event) => {
      if (this.runId === undefined) early.push(event);
      else if (event.runId === this.runId) this.onEvent(event);
    });
    this.write(`\x1b[2m▶ StepFlow: ${path.basename(this.params.script)}\x1b[0m\n`);
    this.runId = await this.launcher.start(this.params, { ownTerminal: false });
    if (this.runId === undefined) {
      // The launcher has already said why (untrusted workspace, missing interpreter, …).
      this.write('StepFlow could not start the script.\n');
      this.finish(1);
      return;
    }
    for (const event of early) if (event.runId === this.runId) this.onEvent(event);
  }

  handleInput(data: string): void {
    if (data === '\x03' && this.runId && !this.finished) void vscode.commands.executeCommand('stepflow.cancelRun', this.runId);
  }

  close(): void {
    // The user closed the terminal or terminated the task: stop the script too.
    if (this.runId && !this.finished) void vscode.commands.executeCommand('stepflow.cancelRun', this.runId);
    this.subscription?.dispose();
  }

  private onEvent(event: RunEvent): void {
    if (this.finished) return;
    // Shown as in the script's own StepFlow terminal (runTerminal.ts): styled markers, the same end line.
    if (event.type === 'output') this.write(styleLogText(event.text));
    if (event.type === 'runFinished') {
      this.write(runEndLine(event.status, event.signal ?? event.exitCode));
      this.finish(taskExitCode(event.status, event.exitCode));
    }
  }

  private finish(code: number): void {
    this.finished = true;
    this.subscription?.dispose();
    this.closed.fire(code);
  }

  private write(text: string): void {
    this.written.fire(toTerminalNewlines(text));
  }
}

/** The task's exit code: the script's, or 1 for a run that failed without one (killed, timed out). */
export function taskExitCode(status: string, exitCode: number | null): number {
  if (exitCode !== null && (exitCode !== 0 || status === 'succeeded')) return exitCode;
  return status === 'succeeded' ? 0 : 1;
}
