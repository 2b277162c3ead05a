// The one typed reader of `stepflow.*` settings: nothing else calls getConfiguration, so a
// setting's name and type are written once. Settings that `stepflow.json` can also give
// (profiles, interpreters, capture, statistics) are read as the user set them —
// undefined, or {} for the profiles and interpreters, when nobody did — so that a setting's
// default never hides the file: the sidecar resolves the layers (sidecar/runs/runConfig.ts).
import * as vscode from 'vscode';
import type { ProfileSetting } from '../sidecar/protocol/runConfig';

export type { ProfileSetting };

export type RuntimeMode = 'auto' | 'node' | 'vscode';

export interface StepflowConfig {
  nodePath: string;
  /** What runs the sidecar: a Node (`node`), VS Code's own runtime (`vscode`), or a Node where one is found, else VS Code's (`auto`). */
  runtimeMode: RuntimeMode;
  databasePath: string;
  /** Set by the user (every scope merged); over stepflow.json's per extension. */
  interpreters: Record<string, string[]>;
  /** Set by the user (every scope merged); the built-in ones and stepflow.json's are the sidecar's. */
  profiles: Record<string, ProfileSetting>;
  cancelGraceMs: number;
  runsInTree: number;
  saveBeforeRun: boolean;
  revealOnRun: boolean;
  timeoutSec: number;
  /** Capture stderr apart from stdout (marked), at the price of exact ordering between them; undefined: not set here. */
  separateStderr: boolean | undefined;
  /** Succeeded runs of a step before it can be flagged as an outlier; undefined: not set here. */
  statsMinSamples: number | undefined;
  /** A step less than this much slower than usual is never an outlier (0 and 0: the rules exactly); undefined: not set here. */
  statsMinSlowdownMs: number | undefined;
  /** …nor one less than this percentage of its mean slower; undefined: not set here. */
  statsMinSlowdownPercent: number | undefined;
  notifyCriticalOutliers: boolean;
  /** A run of this window at least this long that ends while the window is unfocused is announced. */
  notifyLongRunMs: number;
  /** How long a script started here outlives a crashed or reloaded sidecar, waiting to be adopted. */
  adoptGraceMs: number;
  /** CI dialects switched off (`stepflow.markers.dialects`): only the `false` entries matter. */
  dialects: Partial<Record<'github' | 'teamcity' | 'gitlab' | 'azure', boolean>>;
  /** Environment variables whose values are masked (`stepflow.masking.env`). */
  maskEnv: string[];
  /** OTLP/HTTP collector finished runs are exported to as traces; empty: stepflow.json or OTEL_* decide. */
  otlpEndpoint: string;
  /** `stepflow.hub.url`: the team hub finished runs are shipped to ('' = none set here). */
  hubUrl: string;
}

export function readConfig(scope?: vscode.Uri): StepflowConfig {
  const c = vscode.workspace.getConfiguration('stepflow', scope);
  return {
    nodePath: c.get<string>('runtime.nodePath', '').trim(),
    runtimeMode: runtimeMode(c.get<string>('runtime.mode', 'auto')),
    databasePath: c.get<string>('storage.databasePath', '').trim(),
    interpreters: normaliseInterpreters(c.get<Record<string, string | string[]>>('run.interpreters', {})),
    profiles: c.get<Record<string, ProfileSetting>>('run.profiles', {}),
    cancelGraceMs: Math.max(0, c.get<number>('run.cancelGracePeriodSeconds', 3) * 1000),
    runsInTree: Math.max(1, c.get<number>('view.runsShown', 20)),
    saveBeforeRun: c.get<boolean>('run.saveBeforeRun', true),
    revealOnRun: c.get<boolean>('view.revealOnRun', true),
    timeoutSec: Math.max(0, c.get<number>('run.timeoutSeconds', 0)),
    separateStderr: mapSet(userValue<boolean>(c, 'run.separateStderr'), (v) => v === true),
    statsMinSamples: mapSet(userValue<number>(c, 'stats.minSamples'), (n) => Math.max(1, Math.floor(n))),
    statsMinSlowdownMs: mapSet(userValue<number>(c, 'stats.minSlowdownMs'), (ms) => Math.max(0, ms)),
    statsMinSlowdownPercent: mapSet(userValue<number>(c, 'stats.minSlowdownPercent'), (pc) => Math.max(0, pc)),
    notifyCriticalOutliers: c.get<boolean>('stats.notifyCritical', false),
    notifyLongRunMs: Math.max(0, c.get<number>('notify.longRunSeconds', 30) * 1000),
    adoptGraceMs: Math.max(0, c.get<number>('run.adoptGraceSeconds', 120) * 1000),
    dialects: switchedOff(c.get<Record<string, unknown>>('markers.dialects', {})),
    maskEnv: c.get<unknown[]>('masking.env', []).filter((n): n is string => typeof n === 'string' && n.trim() !== ''),
    otlpEndpoint: c.get<string>('telemetry.otlpEndpoint', '').trim(),
    hubUrl: c.get<string>('hub.url', '').trim(),
  };
}

/**
 * The value the user set, in the most specific scope that has one (folder, workspace, user);
 * undefined when only the default applies — which then comes from stepflow.json or StepFlow.
 */
function userValue<T>(c: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const i = c.inspect<T>(key);
  return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
}

function mapSet<T, U>(value: T | undefined, f: (value: T) => U): U | undefined {
  return value === undefined || value === null ? undefined : f(value);
}

/** Settings accept `".py": "python3 -X dev"` as well as an argv array. */
function normaliseInterpreters(raw: Record<string, string | string[]>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [ext, value] of Object.entries(raw)) {
    const argv = Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
    if (argv.length > 0) result[ext.startsWith('.') ? ext : `.${ext}`] = argv;
  }
  return result;
}

/** Keeps only the dialects the user switched off (every dialect is on unless one says false). */
function switchedOff(raw: Record<string, unknown>): StepflowConfig['dialects'] {
  const off: StepflowConfig['dialects'] = {};
  for (const id of ['github', 'teamcity', 'gitlab', 'azure'] as const) if (raw?.[id] === false) off[id] = false;
  return off;
}

function runtimeMode(value: string): RuntimeMode {
  return value === 'node' || value === 'vscode' ? value : 'auto';
}
