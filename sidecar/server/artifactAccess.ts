// Which artifact files the HTTP service may hand out. A run announces artifacts
// by path (`ARTIFACT:../../etc/passwd` is a valid marker), so a dashboard link must not
// become a way to read any file the user can. A file is served only when — after every
// symlink is resolved — it lies inside the run's working directory or inside a root the
// project lists in its stepflow.json:
//
//   { "artifacts": { "roots": ["../shared/reports", "/abs/dir"] } }
//
// (relative roots are relative to that stepflow.json's folder). Other artifacts stay listed
// with their path and open in VS Code, which reads files directly; over HTTP they get 403.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactRecord, RunRecord } from '../protocol/model';

export const PROJECT_CONFIG_FILE = 'stepflow.json';

/** The words the API, the dashboard and the README use for such an artifact. */
export const OUTSIDE_RUN_TEXT = "outside the run's folder";

export type ArtifactPlace =
  | { inside: true; realPath: string }
  | { inside: false; reason: 'missing' | 'outside'; message: string };

/** The folders a run's artifacts may be served from: its cwd and the configured roots. */
export function artifactRoots(run: Pick<RunRecord, 'cwd' | 'script'>): string[] {
  return [run.cwd, ...configuredRoots(path.dirname(run.script))];
}

/**
 * `"artifacts": {"roots": [...]}` of the nearest stepflow.json above `startDir`, absolute.
 * Read here rather than in runs/profiles.ts: only the service needs it, and a broken
 * stepflow.json must not make a listing fail (it only means no extra roots).
 */
export function configuredRoots(startDir: string): string[] {
  const file = findUp(startDir, PROJECT_CONFIG_FILE);
  if (!file) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const roots = (parsed as { artifacts?: { roots?: unknown } } | null)?.artifacts?.roots;
  if (!Array.isArray(roots)) return [];
  return roots.filter((r): r is string => typeof r === 'string' && r !== '').map((r) => path.resolve(path.dirname(file), r));
}

/** Where the artifact's file really is (symlinks resolved now, not when it was recorded) and whether it may be served. */
export function locateArtifact(artifactPath: string, roots: readonly string[]): ArtifactPlace {
  let real: string;
  try {
    real = fs.realpathSync(artifactPath);
  } catch {
    return { inside: false, reason: 'missing', message: `the artifact file no longer exists: ${path.basename(artifactPath)}` };
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = fs.realpathSync(root);
    } catch {
      continue;
    }
    if (isWithin(realRoot, real)) return { inside: true, realPath: real };
  }
  return {
    inside: false,
    reason: 'outside',
    message: `the artifact ${artifactPath} is ${OUTSIDE_RUN_TEXT} (${roots[0] ?? '?'}): it is not served over HTTP — open it in VS Code, or list its folder under "artifacts": {"roots": [...]} in stepflow.json`,
  };
}

/** The run's artifacts with `outsideRun` set on those the service will not serve. */
export function flagArtifacts(run: RunRecord): RunRecord {
  if (run.artifacts.length === 0) return run;
  const roots = artifactRoots(run);
  const artifacts: ArtifactRecord[] = run.artifacts.map((a) => {
    const place = locateArtifact(a.path, roots);
    return place.inside || place.reason === 'missing' ? a : { ...a, outsideRun: true };
  });
  return { ...run, artifacts };
}

function isWithin(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function findUp(dir: string, name: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const candidate = path.join(current, name);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}
