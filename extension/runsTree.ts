// The StepFlow view: runs (newest first) → steps → child steps, with errors, warnings and
// artifacts under the step they belong to. Refreshes come batched from RunsModel.
// What a step looks like comes from sidecar/protocol/results.ts (a step with a failed
// descendant is shown failed, whatever its script said); only the newest run of each script
// and running runs are expanded; "Clear finished" hides finished runs (they stay in history).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { throttle } from './throttle';
import type { LiveRun } from '../sidecar/protocol/runState';
import type { ArtifactRecord, RunRecord, StepError, StepRecord, StepWarning } from '../sidecar/protocol/model';
import type { RunsModel } from './runsModel';
import { formatDateTime, formatDuration, formatProgress, formatRemaining } from '../sidecar/protocol/format';
import { estimateProgress } from '../sidecar/protocol/progress';
import { firstFailingStep, isOutcomeError, runErrorShownAsRow, shownStatus, shownStatusNote, stepPath } from '../sidecar/protocol/results';
import { spokenRun, spokenStep } from '../sidecar/protocol/spoken';

export type RunNode =
  | { kind: 'run'; runId: string }
  | { kind: 'step'; runId: string; stepId: number }
  | { kind: 'error'; runId: string; stepId: number | null }
  | { kind: 'warning'; runId: string; stepId: number | null; index: number }
  | { kind: 'artifact'; runId: string; index: number };

export class RunsTreeProvider implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private ticker: NodeJS.Timeout | undefined;
  /** Nodes are recreated on every refresh; ids keep VS Code's expansion state stable. */
  private readonly nodes = new Map<string, RunNode>();
  /** Finished runs the user cleared from the view (they stay in the history). */
  private readonly hidden: Set<string>;

  constructor(
    private readonly model: RunsModel,
    private readonly memento?: vscode.Memento,
  ) {
    this.subscription = model.onDidChange(() => this.refresh());
    this.hidden = new Set(memento?.get<string[]>(HIDDEN_KEY, []) ?? []);
  }

  /** The runs the view lists: newest first, without the cleared ones. */
  visibleRuns(): LiveRun[] {
    return this.model.list().filter((run) => run.record.status === 'running' || !this.hidden.has(run.record.id));
  }

  /**
   * Runs shown expanded: the newest visible run of each script, and every running run.
   * Older runs start collapsed, so the view stays readable after many runs.
   */
  expandedRuns(): Set<string> {
    const out = new Set<string>();
    const seen = new Set<string>();
    for (const run of this.visibleRuns()) {
      const r = run.record;
      if (r.status === 'running' || !seen.has(r.script)) out.add(r.id);
      seen.add(r.script);
    }
    return out;
  }

  private revealChain: Promise<unknown> = Promise.resolve();

  /**
   * Runs reveals one after the other, in the order they were asked for: a run revealed when
   * it starts must not land after (and replace the selection of) its failing step revealed
   * when it ended.
   */
  serialReveal<T>(reveal: () => Thenable<T>): Promise<T> {
    const next = this.revealChain.then(reveal, reveal);
    this.revealChain = next.catch(() => undefined);
    return next;
  }

  /** Hides every finished run from the view ("Clear finished"); they stay in the history. */
  clearFinished(): number {
    let n = 0;
    for (const run of this.model.list()) {
      if (run.record.status !== 'running' && !this.hidden.has(run.record.id)) {
        this.hidden.add(run.record.id);
        n++;
      }
    }
    // Only ids the model can still list are worth remembering.
    const known = new Set(this.model.list().map((r) => r.record.id));
    for (const id of this.hidden) if (!known.has(id)) this.hidden.delete(id);
    void this.memento?.update(HIDDEN_KEY, [...this.hidden]);
    this.changed.fire(undefined);
    return n;
  }

  /** The node of the step a user wants to see first in a failed run (ancestors come from getParent). */
  failingStepNode(runId: string): RunNode | undefined {
    const run = this.model.get(runId);
    const step = run ? firstFailingStep(run.record.steps) : null;
    return step ? this.node({ kind: 'step', runId, stepId: step.id }) : undefined;
  }

  /** The step nodes from the root down to a step (for tests and reveal). */
  stepNodePath(runId: string, stepId: number): RunNode[] {
    const run = this.model.get(runId);
    const path = run ? stepPath(run.record.steps, stepId) : null;
    return (path ?? []).map((step) => this.node({ kind: 'step', runId, stepId: step.id }));
  }

  /**
   * VS Code debounces a tree's change events (~200 ms, restarted by every event), so events
   * closer together than that would hold the view back for as long as they keep coming:
   * fire at most every 250 ms.
   */
  private readonly fireChange = throttle(() => this.changed.fire(undefined), 250);

  refresh(): void {
    this.fireChange();
    // Elapsed times of running steps tick once a second while something runs.
    const running = this.model.list().some((r) => r.record.status === 'running');
    if (running && !this.ticker) this.ticker = setInterval(() => this.fireChange(), 1000);
    if (!running && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  dispose(): void {
    this.fireChange.dispose();
    if (this.ticker) clearInterval(this.ticker);
    this.subscription.dispose();
    this.changed.dispose();
  }

  runNode(runId: string): RunNode {
    return this.node({ kind: 'run', runId });
  }

  getChildren(element?: RunNode): RunNode[] {
    if (!element) return this.visibleRuns().map((run) => this.runNode(run.record.id));
    const run = this.model.get(element.runId);
    if (!run) return [];
    const runId = run.record.id;
    if (element.kind === 'run') {
      return [
        ...(runErrorShownAsRow(run.record) ? [this.node({ kind: 'error', runId, stepId: null })] : []),
        ...run.record.warnings.map((_, index) => this.node({ kind: 'warning', runId, stepId: null, index })),
        ...run.record.steps.map((step) => this.node({ kind: 'step', runId, stepId: step.id })),
        ...this.artifactNodes(run, null),
      ];
    }
    if (element.kind === 'step') {
      const step = run.steps.get(element.stepId);
      if (!step) return [];
      return [
        ...(step.error ? [this.node({ kind: 'error', runId, stepId: step.id })] : []),
        ...step.warnings.map((_, index) => this.node({ kind: 'warning', runId, stepId: step.id, index })),
        ...step.children.map((child) => this.node({ kind: 'step', runId, stepId: child.id })),
        ...this.artifactNodes(run, step.id),
      ];
    }
    return [];
  }

  getParent(element: RunNode): RunNode | undefined {
    if (element.kind === 'run') return undefined;
    const run = this.model.get(element.runId);
    if (!run) return undefined;
    let stepId: number | null | undefined;
    if (element.kind === 'step') stepId = parentOf(run, element.stepId);
    else if (element.kind === 'artifact') stepId = run.record.artifacts[element.index]?.stepId ?? null;
    else stepId = element.stepId;
    return stepId === null || stepId === undefined ? this.runNode(run.record.id) : this.node({ kind: 'step', runId: run.record.id, stepId });
  }

  getTreeItem(element: RunNode): vscode.TreeItem {
    const run = this.model.get(element.runId);
    if (!run) return new vscode.TreeItem('(gone)');
    switch (element.kind) {
      case 'run': {
        const expanded = this.expandedRuns().has(run.record.id);
        // VS Code keeps an item's expansion by id: a run that becomes "older" gets a new id
        // so it collapses once; after that the user's own choice sticks.
        return runItem(run, expanded ? this.nodeId(element) : `${this.nodeId(element)}~older`, expanded);
      }
      case 'step': {
        const step = run.steps.get(element.stepId);
        return step ? stepItem(run, step, this.nodeId(element)) : new vscode.TreeItem('(gone)');
      }
      case 'error': {
        const owner = element.stepId === null ? run.record : run.steps.get(element.stepId);
        return problemItem(owner?.error ?? { message: '', file: null, line: null }, run.record, 'error', this.nodeId(element));
      }
      case 'warning': {
        const owner = element.stepId === null ? run.record : run.steps.get(element.stepId);
        const warning = owner?.warnings[element.index];
        return warning ? problemItem(warning, run.record, 'warning', this.nodeId(element)) : new vscode.TreeItem('(gone)');
      }
      case 'artifact': {
        const artifact = run.record.artifacts[element.index];
        return artifact ? artifactItem(artifact, this.nodeId(element)) : new vscode.TreeItem('(gone)');
      }
    }
  }

  private artifactNodes(run: LiveRun, stepId: number | null): RunNode[] {
    const nodes: RunNode[] = [];
    run.record.artifacts.forEach((artifact, index) => {
      if ((artifact.stepId ?? null) === stepId) nodes.push(this.node({ kind: 'artifact', runId: run.record.id, index }));
    });
    return nodes;
  }

  private nodeId(node: RunNode): string {
    switch (node.kind) {
      case 'run':
        return node.runId;
      case 'step':
        return `${node.runId}/s${node.stepId}`;
      case 'error':
        return `${node.runId}/e${node.stepId ?? ''}`;
      case 'warning':
        return `${node.runId}/w${node.stepId ?? ''}.${node.index}`;
      case 'artifact':
        return `${node.runId}/a${node.index}`;
    }
  }

  /** One object per id, so `reveal` and tests can compare nodes by identity. */
  private node(node: RunNode): RunNode {
    const id = this.nodeId(node);
    const existing = this.nodes.get(id);
    if (existing) return existing;
    this.nodes.set(id, node);
    return node;
  }
}

function parentOf(run: LiveRun, stepId: number): number | null {
  for (const step of run.steps.values()) if (step.children.some((c) => c.id === stepId)) return step.id;
  return null;
}

const HIDDEN_KEY = 'stepflow.view.clearedRuns';

/** Icons by shown status. Cancelled is neutral (no error colour): the user asked for it. */
export const ICONS: Record<string, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('loading~spin'),
  succeeded: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  timed_out: new vscode.ThemeIcon('watch', new vscode.ThemeColor('testing.iconFailed')),
  interrupted: new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('testing.iconErrored')),
};

function elapsed(startedAt: number, endedAt: number | null, durationMs: number | null): string {
  return formatDuration(durationMs ?? (endedAt ?? Date.now()) - startedAt);
}

function runItem(run: LiveRun, id: string, expanded: boolean): vscode.TreeItem {
  const r = run.record;
  const item = new vscode.TreeItem(path.basename(r.script), expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = id;
  item.iconPath = ICONS[r.status];
  const started = Date.parse(r.startedAt);
  // "exit code 3" reads as part of the run's line when a step row already shows the failure.
  const outcome = r.error && isOutcomeError(r.error) && !runErrorShownAsRow(r) && r.error.message !== STATUS_LABEL[r.status] ? ` · ${r.error.message}` : '';
  item.description = `${STATUS_LABEL[r.status] ?? r.status}${outcome} · ${elapsed(started, r.endedAt ? Date.parse(r.endedAt) : null, r.durationMs)}${r.status === 'running' ? progressText(run) : ''}${r.profile ? ` · ${r.profile}` : ''}`;
  // The description's "·", "≈" and "%" read badly aloud: a screen reader hears the same facts in words.
  const counts = problemCounts(r.steps);
  item.accessibilityInformation = {
    label: spokenRun({
      name: path.basename(r.script),
      status: r.status,
      durationMs: r.durationMs ?? (r.endedAt ? Date.parse(r.endedAt) : Date.now()) - started,
      progress: r.status === 'running' ? estimateProgress(r, run.expectations, Date.now()) : null,
      failedStep: r.status === 'failed' ? (firstFailingStep(r.steps)?.name ?? null) : null,
      outcome: outcome ? outcome.slice(3) : null,
      errors: counts.errors + (r.error && runErrorShownAsRow(r) ? 1 : 0),
      warnings: counts.warnings + r.warnings.length,
      profile: r.profile,
    }),
  };
  item.tooltip = new vscode.MarkdownString(undefined, true);
  item.tooltip.appendText(`${r.script} ${r.args.join(' ')}\n\nrun ${r.id} · started ${formatDateTime(started)}\nexit ${r.signal ?? r.exitCode ?? '—'} · ${r.lineCount} lines`);
  item.contextValue = r.status === 'running' ? 'stepflow.run.running' : 'stepflow.run.finished';
  item.command = { command: 'stepflow.showLog', title: 'Show Log', arguments: [r.id] };
  return item;
}

const STATUS_LABEL: Record<string, string> = {
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  timed_out: 'timed out',
  interrupted: 'interrupted',
};

function stepItem(run: LiveRun, step: StepRecord, id: string): vscode.TreeItem {
  const shown = shownStatus(step);
  const note = shownStatusNote(step);
  const hasChildren = step.children.length > 0 || step.error !== null || step.warnings.length > 0 || run.record.artifacts.some((a) => a.stepId === step.id);
  const collapsible = !hasChildren
    ? vscode.TreeItemCollapsibleState.None
    : shown === 'succeeded'
      ? vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.Expanded;
  const item = new vscode.TreeItem(step.name, collapsible);
  item.id = id;
  const outlier = step.warnings.find((w) => w.type === 'outlier');
  item.iconPath =
    outlier?.severity === 'critical' && shown === 'succeeded'
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.errorForeground'))
      : step.warnings.length > 0 && shown === 'succeeded'
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('testing.iconQueued'))
        : ICONS[shown];
  const progress = step.status === 'running' && step.meta.PROGRESS ? ` · ${step.meta.PROGRESS}%` : '';
  const eta = step.status === 'running' ? stepEta(run, step.id) : '';
  // An outlier's message starts with the duration: "⚠ 11.0 s (4.2σ above 3.1 s mean)".
  const time = outlier ? `⚠ ${outlier.message}` : `${elapsed(step.startedAt, step.endedAt, step.durationMs)}${progress}${eta}`;
  item.description = note ? `${time} · ${note}` : time;
  const counts = problemCounts([step]);
  const estimate = step.status === 'running' ? estimateProgress(run.record, run.expectations, Date.now()) : null;
  item.accessibilityInformation = {
    label: spokenStep({
      name: step.name,
      status: shown,
      durationMs: step.durationMs ?? (step.endedAt ?? Date.now()) - step.startedAt,
      percent: step.meta.PROGRESS ?? null,
      remaining: estimate && estimate.stepId === step.id ? { ms: estimate.stepRemainingMs, overdue: estimate.overdue } : null,
      note,
      errors: counts.errors,
      warnings: counts.warnings,
      slower: outlier ? (outlier.severity === 'critical' ? 'critical' : 'warning') : null,
    }),
  };
  item.tooltip = `${step.name}\n${shown}${note ? ` (${note}; the script closed it as ${step.status})` : ''}${step.meta.DESCRIPTION ? `\n${step.meta.DESCRIPTION}` : ''}`;
  item.contextValue = 'stepflow.step';
  // Like a test in the Testing view: a click shows the step's source; its log is the inline
  // Show Log action (stepflow.showLog, from the step's first line).
  item.command = { command: 'stepflow.revealStep', title: 'Go to Step', arguments: [run.record.id, step.id] };
  return item;
}

/** Errors and warnings (outliers left out: they are spoken as "slower than usual") in steps and their descendants. */
function problemCounts(steps: readonly StepRecord[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  const visit = (list: readonly StepRecord[]) => {
    for (const s of list) {
      if (s.error) errors++;
      warnings += s.warnings.filter((w) => w.type !== 'outlier').length;
      visit(s.children);
    }
  };
  visit(steps);
  return { errors, warnings };
}

/** " · 45 % · ≈ 12 s left" for a running run (protocol/format.ts formatProgress). */
function progressText(run: LiveRun): string {
  const text = formatProgress(estimateProgress(run.record, run.expectations, Date.now()));
  return text ? ` · ${text}` : '';
}

/** " · ≈ 3 s left" on the running step the estimate is about. */
function stepEta(run: LiveRun, stepId: number): string {
  const estimate = estimateProgress(run.record, run.expectations, Date.now());
  if (!estimate || estimate.stepId !== stepId) return '';
  const text = formatRemaining(estimate.stepRemainingMs, estimate.overdue);
  return text ? ` · ${text}` : '';
}

function problemItem(problem: StepError | StepWarning, run: RunRecord, kind: 'error' | 'warning', id: string): vscode.TreeItem {
  const item = new vscode.TreeItem(problem.message);
  item.id = id;
  item.iconPath = new vscode.ThemeIcon(kind, new vscode.ThemeColor(kind === 'error' ? 'errorForeground' : 'editorWarning.foreground'));
  if (problem.file) {
    const file = path.isAbsolute(problem.file) ? problem.file : path.resolve(run.cwd, problem.file);
    item.description = `${path.basename(file)}${problem.line ? `:${problem.line}` : ''}`;
    const line = Math.max(0, (problem.line ?? 1) - 1);
    const column = Math.max(0, (problem.column ?? 1) - 1);
    item.command = {
      command: 'vscode.open',
      title: 'Go to Location',
      arguments: [vscode.Uri.file(file), { selection: new vscode.Range(line, column, line, column) }],
    };
  }
  item.contextValue = `stepflow.${kind}`;
  // The icon is what tells an error from a warning; a screen reader hears it.
  const where = typeof item.description === 'string' ? `, in ${item.description.replace(/:(\d+)$/, ' line $1')}` : '';
  item.accessibilityInformation = { label: `${kind}: ${problem.message}${where}` };
  return item;
}

function artifactItem(artifact: ArtifactRecord, id: string): vscode.TreeItem {
  const item = new vscode.TreeItem(artifact.description ?? path.basename(artifact.path));
  item.id = id;
  item.description = path.basename(artifact.path);
  item.tooltip = artifact.path;
  item.iconPath = new vscode.ThemeIcon('file');
  item.resourceUri = vscode.Uri.file(artifact.path);
  item.command = { command: 'stepflow.openArtifact', title: 'Open Artifact', arguments: [artifact.path] };
  item.contextValue = 'stepflow.artifact';
  item.accessibilityInformation = { label: `artifact: ${item.label as string}, file ${path.basename(artifact.path)}` };
  return item;
}
