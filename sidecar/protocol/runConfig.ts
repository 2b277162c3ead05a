// What a run's configuration is made of and where each part came from, for the editor's
// "Run with profile…" picker. The resolution itself is the sidecar's (sidecar/runs/runConfig.ts),
// the one used by every way of starting a run: CodeLens, the picker, tasks, the CLI and the API.
import { RequestType } from 'vscode-languageserver-protocol';

/**
 * Where a profile came from: StepFlow's own three (`development`, `debug`, `release`), the
 * script's `stepflow.json`, the VS Code settings (`stepflow.run.profiles`), or both of the
 * last two (the settings' variables over the file's).
 */
export type ConfigSource = 'built-in' | 'stepflow.json' | 'settings' | 'stepflow.json + settings';

export interface ProfileSetting {
  env?: Record<string, string>;
  args?: string[];
}

/** One profile as a run of the script would use it. */
export interface ProfileChoice {
  name: string;
  source: ConfigSource;
  env: Record<string, string>;
  args: string[];
}

export interface RunConfigParams {
  script: string;
  /** The profiles the user set in the settings for this script's folder (`stepflow.run.profiles`). */
  profiles?: Record<string, ProfileSetting>;
}

export interface RunConfigAnswer {
  /** The `stepflow.json` that applies to the script (the nearest one above it), or null. */
  file: string | null;
  profiles: ProfileChoice[];
}

/**
 * Client → sidecar: the profiles a run of `script` can use, resolved as a run resolves them.
 * A `stepflow.json` that cannot be read is an error (code 1) saying why.
 */
export const RunConfigRequest = new RequestType<RunConfigParams, RunConfigAnswer, void>('stepflow/runConfig');
