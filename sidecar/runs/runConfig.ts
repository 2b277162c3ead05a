// The one resolution of a run's configuration, used by every way of starting a run: the
// editor (CodeLens, Run with profile…, tasks, reruns — over LSP), `stepflow run` and
// `POST /api/executions`. Three layers, the most specific winning (README, "Configuration";
// docs/spec.md §2):
//   1. StepFlow's defaults (the built-in profiles, the interpreter table, the outlier floors);
//   2. the nearest `stepflow.json` above the script — shared by the team and by every entry point;
//   3. what the request says: the VS Code settings the user set explicitly (the extension sends
//      only those, never a setting's default, which would hide the file), and the CLI's flags.
// Lists add up instead (masked variables), and a CI dialect is off when any layer says so.
import * as path from 'node:path';
import type { RunParams } from '../protocol/lsp';
import type { ConfigSource, ProfileChoice, ProfileSetting } from '../protocol/runConfig';
import { CI_DIALECTS, type DialectSwitches } from '../markers/dialects/registry';
import { resolveTraceTarget, type TraceTarget } from '../telemetry/traceTarget';
import type { HubTargetSources } from '../hub/hubTarget';
import { UserError } from '../util/errors';
import { DEFAULT_PROFILES, loadProjectConfig, type Profile, type ProjectConfig } from './profiles';
import type { RunOptions } from './runSession';

/** A run's options as resolved, and where its finished record goes as a trace. */
export interface ResolvedRun {
  options: RunOptions;
  traceTarget: TraceTarget | undefined;
  /** Where the hub URL can come from: the request (the editor's setting) and stepflow.json (hub/hubTarget.ts adds the environment and the token). */
  hub: HubTargetSources;
}

/** Reads the script's `stepflow.json` (a broken one throws UserError saying why). */
export function projectConfigFor(script: string): ProjectConfig {
  return loadProjectConfig(path.dirname(path.resolve(script)));
}

/**
 * Everything a run of `params.script` uses, from the three layers. Throws UserError for a
 * broken `stepflow.json` or a profile no layer defines.
 */
export function resolveRun(params: RunParams, env: NodeJS.ProcessEnv = process.env, project = projectConfigFor(params.script)): ResolvedRun {
  const profileName = params.profileName ?? null;
  const profile = profileName ? pickResolvedProfile(project, params.profile ? { [profileName]: params.profile } : {}, profileName) : undefined;
  const first = <T>(...values: Array<T | undefined>): T | undefined => values.find((v) => v !== undefined);
  const outlierMinSamples = first(params.outlierMinSamples, project.outlierMinSamples);
  const outlierMinSlowdownMs = first(params.outlierMinSlowdownMs, project.outlierMinSlowdownMs);
  const outlierMinSlowdownPercent = first(params.outlierMinSlowdownPercent, project.outlierMinSlowdownPercent);
  const separateStderr = first(params.separateStderr, project.separateStderr);
  const maskEnv = [...new Set([...(project.maskEnv ?? []), ...(params.maskEnv ?? [])])];
  const options: RunOptions = {
    script: params.script,
    args: params.args ?? [],
    ...(params.cwd ? { cwd: params.cwd } : {}),
    profileName,
    ...(profile ? { profile } : {}),
    ...(params.env ? { env: params.env } : {}),
    interpreters: { ...project.interpreters, ...params.interpreters },
    ...(params.timeoutSec ? { timeoutMs: params.timeoutSec * 1000 } : {}),
    ...(params.graceMs !== undefined ? { graceMs: params.graceMs } : {}),
    ...(outlierMinSamples !== undefined ? { outlierMinSamples } : {}),
    ...(outlierMinSlowdownMs !== undefined ? { outlierMinSlowdownMs } : {}),
    ...(outlierMinSlowdownPercent !== undefined ? { outlierMinSlowdownPercent } : {}),
    ...(separateStderr !== undefined ? { separateStderr } : {}),
    dialects: dialectsOff(project.dialects, params.dialects),
    ...(maskEnv.length > 0 ? { maskEnv } : {}),
  };
  const traceTarget = resolveTraceTarget(
    { settingEndpoint: params.otlpEndpoint, projectEndpoint: project.otlpEndpoint, projectEnabled: project.telemetryEnabled },
    env,
  );
  return { options, traceTarget, hub: { url: params.hubUrl, projectUrl: project.hubUrl } };
}

/**
 * Every profile a run of the script can use, each with its source: the built-in ones, then
 * the file's (a profile the file names replaces the built-in one whole), then the settings'
 * (merged into the file's profile of the same name: its variables over the file's, its
 * `args` instead of the file's when it has some).
 */
export function resolveProfiles(project: ProjectConfig, settings: Record<string, ProfileSetting> = {}): ProfileChoice[] {
  const choices = new Map<string, ProfileChoice>();
  const put = (name: string, profile: Profile, source: ConfigSource) =>
    choices.set(name, { name, source, env: { ...profile.env }, args: [...(profile.args ?? [])] });
  for (const [name, profile] of Object.entries(DEFAULT_PROFILES)) put(name, profile, 'built-in');
  for (const [name, profile] of Object.entries(project.fileProfiles)) put(name, profile, 'stepflow.json');
  for (const [name, setting] of Object.entries(settings)) {
    if (!isProfile(setting)) continue;
    const below = choices.get(name);
    const fromFile = below?.source === 'stepflow.json';
    choices.set(name, {
      name,
      source: fromFile ? 'stepflow.json + settings' : 'settings',
      env: { ...(fromFile ? below.env : {}), ...setting.env },
      args: setting.args && setting.args.length > 0 ? [...setting.args] : fromFile ? below.args : [],
    });
  }
  return [...choices.values()];
}

function pickResolvedProfile(project: ProjectConfig, settings: Record<string, ProfileSetting>, name: string): Profile {
  const choices = resolveProfiles(project, settings);
  const choice = choices.find((c) => c.name === name);
  if (!choice) throw new UserError(`unknown profile "${name}" (known: ${choices.map((c) => c.name).join(', ')})`);
  return { env: choice.env, args: choice.args };
}

/** Where a run of `script` is exported as a trace when no request says more (adopted runs). */
export function traceTargetFor(script: string, env: NodeJS.ProcessEnv = process.env): TraceTarget | undefined {
  let project: ProjectConfig | undefined;
  try {
    project = projectConfigFor(script);
  } catch {
    project = undefined; // reported when the run started; here it only means no export
  }
  return resolveTraceTarget({ projectEndpoint: project?.otlpEndpoint, projectEnabled: project?.telemetryEnabled }, env);
}

/** A dialect is off when the file or the request switches it off. */
function dialectsOff(...layers: Array<DialectSwitches | undefined>): DialectSwitches {
  const off: DialectSwitches = {};
  for (const id of CI_DIALECTS) if (layers.some((layer) => layer?.[id] === false)) off[id] = false;
  return off;
}

function isProfile(value: unknown): value is ProfileSetting {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a run of `script` names its hub when no request says more (adopted runs). */
export function hubSourcesFor(script: string): HubTargetSources {
  try {
    return { projectUrl: projectConfigFor(script).hubUrl };
  } catch {
    return {}; // reported when the run started
  }
}
