// Where "Export Run Report" proposes to save. A report written into the workspace shows up
// in `git status` and tempts a commit, so the proposal is always outside every workspace
// folder: the folder the user last exported to (when it still exists and is outside), else
// the OS temp folder. Pure path logic, no `vscode`, so the unit suite can hold it.
import * as path from 'node:path';

/** True when `child` is `parent` or lies below it (case-insensitively where paths are). */
export function isInside(child: string, parent: string, caseInsensitive = process.platform !== 'linux'): boolean {
  const fold = (p: string) => (caseInsensitive ? path.resolve(p).toLowerCase() : path.resolve(p));
  const rel = path.relative(fold(parent), fold(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface ReportFolderInput {
  /** The folder of the last export, if any (remembered across sessions). */
  remembered: string | undefined;
  workspaceFolders: readonly string[];
  tempDir: string;
  exists(folder: string): boolean;
}

/** The folder to propose: the remembered one when it is usable, else the temp folder. */
export function proposedReportFolder({ remembered, workspaceFolders, tempDir, exists }: ReportFolderInput): string {
  if (remembered && exists(remembered) && !workspaceFolders.some((w) => isInside(remembered, w))) return remembered;
  return tempDir;
}

/** The folder worth remembering after an export to `file`: none when it is inside the workspace. */
export function folderToRemember(file: string, workspaceFolders: readonly string[]): string | undefined {
  const folder = path.dirname(file);
  return workspaceFolders.some((w) => isInside(folder, w)) ? undefined : folder;
}

/** `stepflow-build-sh-<runId>.html`: the script's name made safe for any file system. */
export function reportFileName(script: string | undefined, runId: string, extension = 'html'): string {
  const base = script ? path.basename(script).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\./g, '-') : 'run';
  return `stepflow-${base}-${runId}.${extension}`;
}
