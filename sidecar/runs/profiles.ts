// Run profiles (docs/spec.md §2): named sets of environment variables and extra arguments —
// development, debug and release built in, more or other ones from a stepflow.json. A run
// records which profile it used.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { CI_DIALECTS, type DialectSwitches } from '../markers/dialects/registry';
import { isCollectorUrl } from '../telemetry/traceTarget';

export interface Profile {
  env?: Record<string, string>;
  args?: string[];
}

export type Profiles = Record<string, Profile>;

/**
 * The three profiles every project has unless its configuration redefines them — the only
 * place they are written (the setting `stepflow.run.profiles` has no default of its own).
 */
export const DEFAULT_PROFILES: Profiles = {
  development: { env: { STEPFLOW_PROFILE: 'development' } },
  debug: { env: { STEPFLOW_PROFILE: 'debug', DEBUG: '1' } },
  release: { env: { STEPFLOW_PROFILE: 'release', NODE_ENV: 'production' } },
};

/** What a `stepflow.json` next to (or above) a script may say. */
export interface ProjectConfig {
  /** The `stepflow.json` read, or null when there is none above the script. */
  file: string | null;
  /** Only the profiles the file defines (runs/runConfig.ts resolveProfiles puts them over DEFAULT_PROFILES). */
  fileProfiles: Profiles;
  interpreters: Record<string, string[]>;
  /** `"stats": {"minSamples": N}`: succeeded runs of a step before it can be an outlier. */
  outlierMinSamples?: number;
  /** `"stats": {"minSlowdownMs": N}`: a step less than this much slower than usual is never an outlier. */
  outlierMinSlowdownMs?: number;
  /** `"stats": {"minSlowdownPercent": N}`: …nor one less than N % of its mean slower. */
  outlierMinSlowdownPercent?: number;
  /** `"capture": {"separateStderr": true}`: keep stderr apart (marked) instead of one ordered stream. */
  separateStderr?: boolean;
  /** `"dialects": {"github": false, …}`: CI dialects switched off (all are on by default). */
  dialects?: DialectSwitches;
  /** `"masking": {"env": ["NPM_TOKEN"]}`: environment variables whose values are masked. */
  maskEnv?: string[];
  /** `"telemetry": {"otlpEndpoint": "http://collector:4318"}`: where finished runs go as traces. */
  otlpEndpoint?: string;
  /** `"telemetry": {"enabled": false}`: no trace export for this project, whatever the environment says. */
  telemetryEnabled?: boolean;
  /** `"hub": {"url": "https://stepflow.example.com"}`: the team hub finished runs are shipped to. */
  hubUrl?: string;
  /** `"hub": {"database": "postgres://…"}`: the database `stepflow serve` in this folder serves as a hub. */
  hubDatabase?: string;
}

export const PROJECT_CONFIG_FILE = 'stepflow.json';

/**
 * Reads the nearest `stepflow.json` from `startDir` upwards. A broken file is a clear
 * error rather than silently ignored, because the user wrote it on purpose.
 */
export function loadProjectConfig(startDir: string): ProjectConfig {
  const file = findUp(startDir, PROJECT_CONFIG_FILE);
  const config: ProjectConfig = { file: file ?? null, fileProfiles: {}, interpreters: {} };
  if (!file) return config;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new UserError(`${file}: expected a JSON object`);
  const raw = parsed as { profiles?: unknown; interpreters?: unknown; stats?: unknown; capture?: unknown; dialects?: unknown; masking?: unknown; telemetry?: unknown; hub?: unknown };
  if (isRecord(raw.profiles)) Object.assign(config.fileProfiles, raw.profiles as Profiles);
  if (isRecord(raw.interpreters)) Object.assign(config.interpreters, raw.interpreters as Record<string, string[]>);
  if (isRecord(raw.stats) && raw.stats.minSamples !== undefined) {
    const n = raw.stats.minSamples;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new UserError(`${file}: "stats.minSamples" must be a whole number ≥ 1`);
    config.outlierMinSamples = n;
  }
  if (isRecord(raw.stats) && raw.stats.minSlowdownMs !== undefined) {
    const ms = raw.stats.minSlowdownMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new UserError(`${file}: "stats.minSlowdownMs" must be a number of milliseconds ≥ 0`);
    config.outlierMinSlowdownMs = ms;
  }
  if (isRecord(raw.stats) && raw.stats.minSlowdownPercent !== undefined) {
    const pc = raw.stats.minSlowdownPercent;
    if (typeof pc !== 'number' || !Number.isFinite(pc) || pc < 0) throw new UserError(`${file}: "stats.minSlowdownPercent" must be a number ≥ 0`);
    config.outlierMinSlowdownPercent = pc;
  }
  if (isRecord(raw.capture) && raw.capture.separateStderr !== undefined) {
    const v = raw.capture.separateStderr;
    if (typeof v !== 'boolean') throw new UserError(`${file}: "capture.separateStderr" must be true or false`);
    config.separateStderr = v;
  }
  if (raw.dialects !== undefined) config.dialects = readDialectSwitches(file, raw.dialects);
  if (isRecord(raw.masking) && raw.masking.env !== undefined) {
    const env = raw.masking.env;
    if (!Array.isArray(env) || !env.every((n) => typeof n === 'string' && n !== '')) {
      throw new UserError(`${file}: "masking.env" must be a list of environment variable names`);
    }
    config.maskEnv = env as string[];
  }
  if (raw.telemetry !== undefined) Object.assign(config, readTelemetry(file, raw.telemetry));
  if (raw.hub !== undefined) Object.assign(config, readHub(file, raw.hub));
  return config;
}

function readHub(file: string, raw: unknown): Pick<ProjectConfig, 'hubUrl' | 'hubDatabase'> {
  if (!isRecord(raw)) throw new UserError(`${file}: "hub" must be an object like {"url": "https://stepflow.example.com"}`);
  const out: Pick<ProjectConfig, 'hubUrl' | 'hubDatabase'> = {};
  if (raw.url !== undefined) {
    if (typeof raw.url !== 'string' || !isCollectorUrl(raw.url)) throw new UserError(`${file}: "hub.url" must be an http(s) URL, like "https://stepflow.example.com"`);
    out.hubUrl = raw.url;
  }
  if (raw.database !== undefined) {
    if (typeof raw.database !== 'string' || !/^postgres(ql)?:\/\//i.test(raw.database)) throw new UserError(`${file}: "hub.database" must be a postgres:// URL`);
    out.hubDatabase = raw.database;
  }
  return out;
}

function readTelemetry(file: string, raw: unknown): Pick<ProjectConfig, 'otlpEndpoint' | 'telemetryEnabled'> {
  if (!isRecord(raw)) throw new UserError(`${file}: "telemetry" must be an object like {"otlpEndpoint": "http://localhost:4318"}`);
  const out: Pick<ProjectConfig, 'otlpEndpoint' | 'telemetryEnabled'> = {};
  if (raw.otlpEndpoint !== undefined) {
    if (typeof raw.otlpEndpoint !== 'string' || !isCollectorUrl(raw.otlpEndpoint)) throw new UserError(`${file}: "telemetry.otlpEndpoint" must be an http(s) URL, like "http://localhost:4318"`);
    out.otlpEndpoint = raw.otlpEndpoint;
  }
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') throw new UserError(`${file}: "telemetry.enabled" must be true or false`);
    out.telemetryEnabled = raw.enabled;
  }
  return out;
}

function readDialectSwitches(file: string, raw: unknown): DialectSwitches {
  if (!isRecord(raw)) throw new UserError(`${file}: "dialects" must be an object like {"github": false}`);
  const switches: DialectSwitches = {};
  for (const [id, on] of Object.entries(raw)) {
    if (!(CI_DIALECTS as readonly string[]).includes(id)) throw new UserError(`${file}: unknown dialect "${id}" in "dialects" (known: ${CI_DIALECTS.join(', ')})`);
    if (typeof on !== 'boolean') throw new UserError(`${file}: "dialects.${id}" must be true or false`);
    switches[id as keyof DialectSwitches] = on;
  }
  return switches;
}

function findUp(dir: string, name: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const candidate = path.join(current, name);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
