// The last run's failures as diagnostics at their locations (Problems panel). Locations in
// markers are relative to the run's working directory; a rerun of the same script replaces
// the diagnostics of its previous run.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { RunRecord, StepRecord, StepWarning, StepError } from '../protocol/model';
import { DIAGNOSTIC_SOURCE } from '../protocol/lsp';

const END_OF_LINE = 2_147_483_647;

/** Diagnostics by document URI for one finished (or running) run. */
export function diagnosticsForRun(run: RunRecord): Map<string, Diagnostic[]> {
  const byUri = new Map<string, Diagnostic[]>();
  const add = (where: StepError | StepWarning, severity: DiagnosticSeverity, stepName: string | null) => {
    if (!where.file || where.line === null || where.line < 1) return;
    const file = path.isAbsolute(where.file) ? where.file : path.resolve(run.cwd, where.file);
    const uri = pathToFileURL(file).toString();
    const line = where.line - 1;
    const column = Math.max(0, (where.column ?? 1) - 1);
    const list = byUri.get(uri) ?? [];
    list.push({
      // The marker says where, not how far: underline to the end of the line (clients clamp).
      range: { start: { line, character: column }, end: { line, character: END_OF_LINE } },
      severity,
      source: DIAGNOSTIC_SOURCE,
      message: stepName ? `${stepName}: ${where.message}` : where.message,
      data: { runId: run.id },
    });
    byUri.set(uri, list);
  };
  if (run.error) add(run.error, DiagnosticSeverity.Error, null);
  for (const warning of run.warnings) add(warning, DiagnosticSeverity.Warning, null);
  const visit = (steps: StepRecord[]) => {
    for (const step of steps) {
      if (step.error) add(step.error, DiagnosticSeverity.Error, step.name);
      for (const warning of step.warnings) add(warning, severityOf(warning), step.name);
      visit(step.children);
    }
  };
  visit(run.steps);
  return byUri;
}

function severityOf(warning: StepWarning): DiagnosticSeverity {
  if (warning.severity === 'info') return DiagnosticSeverity.Information;
  // A step's further CI error annotations (its first one is the step's error): errors too.
  if (warning.type === 'marker' && warning.severity === 'critical') return DiagnosticSeverity.Error;
  return DiagnosticSeverity.Warning;
}

/**
 * Keeps one diagnostics set per script (its latest run) and tells which URIs need
 * publishing, including those whose diagnostics were removed.
 */
export class RunDiagnosticsBook {
  private readonly byScript = new Map<string, Map<string, Diagnostic[]>>();

  /** Replaces the script's diagnostics with this run's; returns every URI to republish. */
  update(run: RunRecord): string[] {
    const before = this.byScript.get(run.script);
    const after = diagnosticsForRun(run);
    this.byScript.set(run.script, after);
    return [...new Set([...(before?.keys() ?? []), ...after.keys()])];
  }

  /** All run diagnostics for a URI, across scripts. */
  forUri(uri: string): Diagnostic[] {
    const all: Diagnostic[] = [];
    for (const set of this.byScript.values()) all.push(...(set.get(uri) ?? []));
    return all;
  }
}
