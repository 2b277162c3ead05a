// What `stepflow run` shows while a script runs (without --json):
//  - always: the script's output passed through, plus one line per step event — which
//    replaces the script's own marker line, so each marker is printed once
//    (markerLineFilter.ts; CI dialects' command lines too);
//  - on a terminal: a status line under the output (spinner, current step, elapsed,
//    progress and ETA), redrawn in place, erased before any output is written.
import type { RunEvent } from '../protocol/events';
import type { StreamName } from '../protocol/model';
import { applyRunEvent, liveRunFromStart, type LiveRun } from '../protocol/runState';
import { shownStatus, shownStatusNote } from '../protocol/results';
import { estimateProgress } from '../protocol/progress';
import { formatProgress } from '../protocol/format';
import type { DialectSwitches } from '../markers/dialects/registry';
import { MarkerLineFilter } from './markerLineFilter';
import { SPINNER, colourWanted, fit, formatDuration, makeStyle, safe, type Style } from './term';

export interface LiveDisplay {
  event(event: RunEvent): void;
  output(stream: StreamName, bytes: Buffer): void;
  close(): void;
}

/** `dialects`: the CI dialects switched off for the run, whose lines are then plain output here too. */
export function createLiveDisplay(out: NodeJS.WriteStream, err: NodeJS.WriteStream, dialects: DialectSwitches = {}): LiveDisplay {
  return new TerminalDisplay(out, err, makeStyle(colourWanted(out)), Boolean(out.isTTY), dialects);
}

interface OpenStep {
  id: number;
  name: string;
  startedAt: number;
}

class TerminalDisplay implements LiveDisplay {
  private readonly names = new Map<number, string>();
  private readonly open: OpenStep[] = [];
  private runStartedAt = Date.now();
  /** The run as the views see it, for progress and ETA. */
  private run: LiveRun | undefined;
  private statusShown = false;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly filters: Record<StreamName, MarkerLineFilter>;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly err: NodeJS.WriteStream,
    private readonly style: Style,
    private readonly live: boolean,
    dialects: DialectSwitches,
  ) {
    // A CI error annotation leaves its step open: its `✗` line is printed when the line comes.
    const error = (marker: { message: string; location: { file: string; line: number } | null }) =>
      this.line(`${style.red('✗')} ${style.red(safe(marker.message))}${marker.location ? location(marker.location) : ''}`);
    this.filters = {
      stdout: new MarkerLineFilter((text) => this.passThrough(this.out, text), { dialects, error }),
      stderr: new MarkerLineFilter((text) => this.passThrough(this.err, text), { dialects, error }),
    };
    if (live) {
      this.timer = setInterval(() => this.drawStatus(), 100);
      this.timer.unref();
    }
  }

  output(stream: StreamName, bytes: Buffer): void {
    this.filters[stream].push(bytes);
  }

  private passThrough(stream: NodeJS.WriteStream, text: string): void {
    this.clearStatus();
    write(stream, text);
  }

  event(event: RunEvent): void {
    const s = this.style;
    if (event.type === 'runStarted') this.run = liveRunFromStart(event);
    else if (this.run) applyRunEvent(this.run, event);
    switch (event.type) {
      case 'runStarted':
        this.runStartedAt = event.startedAt;
        return;
      case 'stepStarted':
        this.names.set(event.stepId, event.name);
        this.open.push({ id: event.stepId, name: event.name, startedAt: event.startedAt });
        return this.line(`${s.cyan('▶')} ${this.label(event.stepId)}`);
      case 'stepFinished': {
        const index = this.open.findIndex((step) => step.id === event.stepId);
        if (index !== -1) this.open.splice(index, 1);
        // A step the script closed as succeeded is still shown failed when a child failed.
        const step = this.run?.steps.get(event.stepId);
        const status = step ? shownStatus(step) : event.status;
        const note = step ? shownStatusNote(step) : null;
        const mark = status === 'succeeded' ? s.green('✓') : status === 'cancelled' ? s.yellow('■') : s.red('✗');
        const error = event.error ? ` — ${s.red(safe(event.error.message))}${location(event.error)}` : note ? ` — ${s.red(note)}` : '';
        return this.line(`${mark} ${this.label(event.stepId)} ${s.dim(formatDuration(event.durationMs))}${error}`);
      }
      case 'warning': {
        const owner = event.stepId === null ? 'run' : this.label(event.stepId);
        if (event.warning.type === 'outlier') {
          // "⚠ Compile 11.0 s (4.2σ above 3.1 s mean)"; critical ones in red.
          const mark = event.warning.severity === 'critical' ? s.red('⚠') : s.yellow('⚠');
          return this.line(`${mark} ${owner} ${safe(event.warning.message)}`);
        }
        return this.line(`${s.yellow('⚠')} ${owner}: ${safe(event.warning.message)}${location(event.warning)}`);
      }
      case 'artifact':
        return this.line(`${s.cyan('◆')} artifact ${safe(event.path)}${event.description ? s.dim(` (${safe(event.description)})`) : ''}`);
      case 'runError':
        return this.line(`${s.red('✗')} run: ${safe(event.error.message)}${location(event.error)}`);
      case 'runFinished': {
        const ok = event.status === 'succeeded';
        const mark = ok ? s.green('✓') : event.status === 'cancelled' ? s.yellow('■') : s.red('✗');
        const detail = event.error && !ok ? ` — ${safe(event.error.message)}` : '';
        return this.line(`${mark} ${s.bold(`run ${event.status}`)} in ${formatDuration(event.durationMs)}${detail}`);
      }
      default:
        return;
    }
  }

  close(): void {
    this.filters.stdout.flush();
    this.filters.stderr.flush();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearStatus();
  }

  /** The step name as the script gave it, made safe for a terminal. */
  private label(stepId: number): string {
    const name = this.names.get(stepId) ?? `#${stepId}`;
    return this.style.bold(safe(name));
  }

  private line(text: string): void {
    this.clearStatus();
    write(this.out, `${this.style.dim('[stepflow]')} ${text}\n`);
    this.drawStatus();
  }

  private drawStatus(): void {
    if (!this.live || !this.timer) return;
    const now = Date.now();
    const current = this.open[this.open.length - 1];
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    const path = this.open.map((step) => safe(step.name)).join(' › ');
    const step = current ? `${path} ${formatDuration(now - current.startedAt)}` : 'running';
    const text = `${spinner} ${step}${this.progressText(now)} · total ${formatDuration(now - this.runStartedAt)}`;
    write(this.out, `\r\x1b[2K${this.style.cyan(fit(text, (this.out.columns || 80) - 1))}`);
    this.statusShown = true;
  }

  /** " · 45 % · ≈ 12 s left" from history or the script's META markers; '' when unknown. */
  private progressText(now: number): string {
    if (!this.run) return '';
    return progressSuffix(estimateProgress(this.run.record, this.run.expectations, now));
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    write(this.out, '\r\x1b[2K');
    this.statusShown = false;
  }
}

/** " · 45 % · ≈ 12 s left" (protocol/format.ts formatProgress); '' when nothing is known. */
export function progressSuffix(progress: ReturnType<typeof estimateProgress>): string {
  const text = formatProgress(progress);
  return text ? ` · ${text}` : '';
}

function location(where: { file: string | null; line: number | null }): string {
  return where.file ? ` (${safe(where.file)}${where.line !== null ? `:${where.line}` : ''})` : '';
}

/**
 * Writes unless the reader went away (`stepflow run x | head`): the run goes on and is
 * stored in full; only the echo stops.
 */
function write(stream: NodeJS.WriteStream, data: string | Buffer): void {
  if (stream.writable && !stream.destroyed) stream.write(data);
}
