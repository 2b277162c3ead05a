// Status bar: the running script, its current step, elapsed time, progress and ETA; click
// reveals the run.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { currentStep } from '../sidecar/protocol/runState';
import { firstFailingStep } from '../sidecar/protocol/results';
import { formatDuration, formatProgress } from '../sidecar/protocol/format';
import { estimateProgress } from '../sidecar/protocol/progress';
import { spokenDuration, spokenProgress, spokenStatus } from '../sidecar/protocol/spoken';
import type { RunsModel } from './runsModel';

/**
 * "build.sh › Compile 60 % · 12 s · run 56 % · ≈ 2 s left": every number says what it is about
 * (the step's own META:PROGRESS, the elapsed time, then "run" and the run's progress text,
 * the same as in the tree, the panel and `stepflow run`).
 */
export function runningText(
  script: string,
  stepName: string | null,
  stepProgress: string | null,
  elapsed: string,
  estimate: ReturnType<typeof estimateProgress>,
): string {
  const step = stepName ? ` › ${stepName}${stepProgress ? ` ${stepProgress} %` : ''}` : '';
  const progress = formatProgress(estimate);
  return `${script}${step} · ${elapsed}${progress ? ` · run ${progress}` : ''}`;
}

const FINISHED_ICON: Record<string, string> = {
  succeeded: '$(pass)',
  failed: '$(error)',
  timed_out: '$(watch)',
  cancelled: '$(circle-slash)',
  interrupted: '$(debug-disconnect)',
};

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stepflow.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;
  private ticker: NodeJS.Timeout | undefined;
  private shownRunId: string | undefined;
  private shown = false;

  constructor(private readonly model: RunsModel) {
    this.item.name = 'StepFlow';
    this.subscription = model.onDidChange(() => this.update());
  }

  /** What the item shows now ('' when hidden); for tests. */
  get text(): string {
    return this.shown ? this.item.text : '';
  }

  /** The item's background colour id (undefined: none); for tests. */
  get backgroundColorId(): string | undefined {
    return this.shown ? (this.item.backgroundColor as vscode.ThemeColor | undefined)?.id : undefined;
  }

  update(): void {
    const running = this.model.list().filter((r) => r.record.status === 'running');
    const run = running[0] ?? (this.shownRunId ? this.model.get(this.shownRunId) : undefined);
    if (!run) {
      this.item.hide();
      this.shown = false;
      return;
    }
    this.shownRunId = run.record.id;
    const r = run.record;
    const script = path.basename(r.script);
    const step = currentStep(run);
    const durationMs = r.durationMs ?? Date.now() - Date.parse(r.startedAt);
    const elapsed = formatDuration(durationMs);
    if (r.status === 'running') {
      const more = running.length > 1 ? ` (+${running.length - 1})` : '';
      const estimate = estimateProgress(r, run.expectations, Date.now());
      this.item.text = `$(loading~spin) ${runningText(script, step?.name ?? null, step?.meta.PROGRESS ?? null, elapsed, estimate)}${more}`;
      this.item.backgroundColor = undefined;
      const progress = spokenProgress(estimate);
      this.speak([
        `StepFlow: ${script} running`,
        step ? `step ${step.name}${step.meta.PROGRESS ? ` ${step.meta.PROGRESS} percent done` : ''}` : '',
        spokenDuration(durationMs),
        progress ? `run ${progress}` : '',
        running.length > 1 ? `${running.length - 1} more running` : '',
      ]);
    } else {
      // Cancelled is what the user asked for: neutral, not an error.
      const icon = FINISHED_ICON[r.status] ?? '$(error)';
      // A failed run names the step where the failure starts, as the tree reveals it.
      const failing = r.status === 'failed' ? firstFailingStep(r.steps) : null;
      this.item.text = `${icon} ${script} ${r.status.replace('_', ' ')}${failing ? ` › ${failing.name}` : ''} · ${elapsed}`;
      this.item.backgroundColor = r.status === 'failed' || r.status === 'timed_out' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
      this.speak([`StepFlow: ${script} ${spokenStatus(r.status)}${failing ? ` at ${failing.name}` : ''}`, spokenDuration(durationMs)]);
    }
    this.item.tooltip =
      r.status === 'running'
        ? `StepFlow: ${r.script}\nstep › its own progress (META:PROGRESS) · elapsed · run: estimated progress of the whole run and its time left\nClick to reveal the run`
        : `StepFlow: ${r.script}\nClick to reveal the run`;
    this.item.command = { command: 'stepflow.revealRun', title: 'Reveal Run', arguments: [r.id] };
    this.item.show();
    this.shown = true;
    this.tick(r.status === 'running');
  }

  /**
   * The item's text in words for a screen reader (the codicons, "›", "·" and "%" of the text read
   * badly), with the click's effect, as VS Code's own items do.
   */
  private speak(parts: string[]): void {
    this.item.accessibilityInformation = { label: `${parts.filter(Boolean).join(', ')}. Reveal the run`, role: 'button' };
  }

  /** What a screen reader says for the item ('' when hidden); for tests. */
  get spokenText(): string {
    return this.shown ? (this.item.accessibilityInformation?.label ?? '') : '';
  }

  dispose(): void {
    this.tick(false);
    this.subscription.dispose();
    this.item.dispose();
  }

  private tick(on: boolean): void {
    if (on && !this.ticker) this.ticker = setInterval(() => this.update(), 1000);
    if (!on && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }
}
