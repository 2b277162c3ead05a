// What a user sees when a run cannot start. Most reasons are the sidecar's one line
// ("script not found: …"); a missing interpreter (a .ps1 without pwsh) gets a sentence that
// says what to do and a button to the setting that chooses another interpreter, because the
// sidecar's wording names the CLI's configuration, not VS Code's.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import type { RunErrorData } from '../sidecar/protocol/lsp';

export const INTERPRETERS_SETTING = 'stepflow.run.interpreters';
const OPEN_SETTINGS = 'Open Settings';

export function showStartError(err: unknown, script: string): void {
  const missing = err instanceof ResponseError ? (err.data as RunErrorData | undefined)?.missingInterpreter : undefined;
  if (!missing) {
    void vscode.window.showErrorMessage(`StepFlow: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  void vscode.window.showErrorMessage(missingInterpreterText(path.basename(script), missing), OPEN_SETTINGS).then((choice) => {
    if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', INTERPRETERS_SETTING);
  });
}

/** "StepFlow can't run deploy.ps1: pwsh, the interpreter for .ps1 scripts, is not installed (not on PATH) — install it or choose another in Settings." */
export function missingInterpreterText(scriptName: string, missing: { interpreter: string; extension: string }): string {
  // A path (from a shebang or a setting) is not looked up on PATH: it is simply not there.
  const problem = /[\\/]/.test(missing.interpreter) ? 'does not exist or is not executable' : 'is not installed (not on PATH)';
  return `StepFlow can't run ${scriptName}: ${missing.interpreter}, the interpreter for ${missing.extension} scripts, ${problem} — install it or choose another in Settings.`;
}
