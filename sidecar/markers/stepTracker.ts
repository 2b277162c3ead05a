// Turns the markers of one run into step-tree events (docs/spec.md §1). A pure state
// machine: the caller supplies arrival times and line numbers, so replays are exact.
//
// Rules beyond the spec's wording (user-visible, hence written down):
// - STEP_COMPLETE:<name> closes the innermost open step with that name; open children of
//   it are closed first, innermost first, as succeeded (the spec's "closes … as
//   succeeded" covers the whole subtree; a failed child was already closed by its error).
// - STEP_ERROR closes only the innermost step — it has no open children by definition.
//   Its parents stay open and are closed by their own COMPLETE or at exit.
// - Problems in the marker sequence (closing a name that is not open, an empty
//   STEP_COMPLETE with nothing open) become 'protocol' warnings on the run, never throws.
// - At finish, open steps close innermost first: succeeded on exit code 0; failed with
//   `exit code N` / `killed by SIG…` otherwise; cancelled (error null) on cancel/timeout.
// - Markers applied after finish() are ignored (the run is over).
// - durationMs is endedAt - startedAt, clamped at 0 should the clock step back — unless the
//   lines state it: a duration of their own (TeamCity tests) or start and end timestamps
//   (GitLab sections), whose difference is then the duration.
// - An error with `keepOpen` (CI dialects' error annotations) fails the innermost step but
//   leaves it open: the first one becomes the step's error when it closes (as failed, even
//   by a COMPLETE), later ones are 'critical' marker warnings. With no step open it is a
//   run error, like STEP_ERROR.
// - 'mask' markers are not the tracker's business (runs/outputMasking.ts): no events.
import * as path from 'node:path';
import type { StepError, StepStatus, StepWarning } from '../protocol/model';
import type { MarkerEvent } from '../protocol/markers';
import type { StepFinishedEvent, StepId, StepTreeEvent } from '../protocol/events';

export interface StepTrackerOptions {
  runId: string;
  /** The run's working directory; relative artifact paths resolve against it. */
  cwd: string;
  /** Time is always passed in by the caller. */
  now?: never;
}

export interface RunEnd {
  at: number;
  /** 1-based number of the run's last line. */
  line: number;
  exitCode: number | null;
  signal: string | null;
  reason: 'exited' | 'cancelled' | 'timed_out';
}

export interface OpenStep {
  id: StepId;
  name: string;
}

interface OpenStepState extends OpenStep {
  startedAt: number;
  /** The start time the marker line itself stated (GitLab sections), for the duration. */
  statedStart?: number;
  /** An error that failed this step without closing it (a CI dialect's error annotation). */
  heldError?: StepError;
}

/** `C:\…`, `C:/…` or `\\server\share…`: Windows absolute paths, kept as given. */
const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:[\\/]|\\\\)/;

/** Resolves an ARTIFACT path against the run's working directory. */
export function resolveArtifactPath(cwd: string, artifactPath: string): string {
  if (WINDOWS_ABSOLUTE.test(artifactPath)) return artifactPath;
  if (WINDOWS_ABSOLUTE.test(cwd)) return path.win32.resolve(cwd, artifactPath);
  return path.resolve(cwd, artifactPath);
}

export class StepTracker {
  private readonly runId: string;
  private readonly cwd: string;
  private readonly stack: OpenStepState[] = [];
  private nextId = 1;
  private failed = false;
  private firstRunError: StepError | null = null;
  private finished = false;

  constructor(opts: StepTrackerOptions) {
    this.runId = opts.runId;
    this.cwd = opts.cwd;
  }

  /** True once any step has finished as failed. */
  get hasFailedStep(): boolean {
    return this.failed;
  }

  /** The first STEP_ERROR seen outside any step, if any. */
  get runError(): StepError | null {
    return this.firstRunError;
  }

  /**
   * Sets when open step `id` started: a run adopted after its sidecar died is replayed from
   * its output (runs/adoption.ts), and its steps started when they were first seen, not now.
   */
  restoreStartedAt(id: StepId, at: number): void {
    const step = this.stack.find((s) => s.id === id);
    if (step) step.startedAt = at;
  }

  /** Open steps, outermost first (innermost last). */
  openSteps(): OpenStep[] {
    return this.stack.map(({ id, name }) => ({ id, name }));
  }

  /** The innermost open step, which output currently belongs to. */
  currentStepId(): StepId | null {
    return this.stack.length === 0 ? null : this.stack[this.stack.length - 1]!.id;
  }

  /** Applies one marker that arrived at `at` (ms epoch) on 1-based line `line`. */
  apply(event: MarkerEvent, at: number, line: number): StepTreeEvent[] {
    if (this.finished) return [];
    const runId = this.runId;
    const stepId = this.currentStepId();
    switch (event.kind) {
      case 'stepStart': {
        const id = this.nextId++;
        this.stack.push({ id, name: event.name, startedAt: at, ...(event.timestamp !== undefined ? { statedStart: event.timestamp } : {}) });
        return [{ type: 'stepStarted', runId, stepId: id, parentId: stepId, name: event.name, path: this.openPath(), startedAt: at, line }];
      }
      case 'stepComplete':
        return this.complete(event.name, at, line, event);
      case 'stepError': {
        const error: StepError = {
          message: event.message,
          file: event.location?.file ?? null,
          line: event.location?.line ?? null,
          column: event.location?.column ?? null,
        };
        if (stepId === null) {
          this.firstRunError ??= error;
          return [{ type: 'runError', runId, error, at }];
        }
        if (event.keepOpen) {
          const step = this.stack[this.stack.length - 1]!;
          if (!step.heldError) {
            step.heldError = error;
            return [];
          }
          const extra: StepWarning = { type: 'marker', severity: 'critical', ...error, column: error.column ?? null };
          return [{ type: 'warning', runId, stepId, warning: extra, at }];
        }
        return [this.close('failed', error, at, line)];
      }
      case 'stepWarning': {
        const warning: StepWarning = {
          type: 'marker',
          severity: event.severity ?? 'warning',
          message: event.message,
          file: event.location?.file ?? null,
          line: event.location?.line ?? null,
          column: event.location?.column ?? null,
        };
        return [{ type: 'warning', runId, stepId, warning, at }];
      }
      case 'meta':
        return [{ type: 'meta', runId, stepId, key: event.key, value: event.value, at }];
      case 'artifact':
        return [
          {
            type: 'artifact',
            runId,
            stepId,
            path: resolveArtifactPath(this.cwd, event.path),
            description: event.description,
            at,
          },
        ];
      case 'mask':
        return [];
    }
  }

  /** Closes every step still open when the process ended; innermost first. */
  finish(end: RunEnd): StepTreeEvent[] {
    if (this.finished) return [];
    this.finished = true;
    let status: Exclude<StepStatus, 'running'>;
    let error: StepError | null = null;
    if (end.reason !== 'exited') {
      status = 'cancelled';
    } else if (end.signal === null && end.exitCode === 0) {
      status = 'succeeded';
    } else {
      status = 'failed';
      const message =
        end.signal !== null ? `killed by ${end.signal}` : end.exitCode !== null ? `exit code ${end.exitCode}` : 'exited abnormally';
      error = { message, file: null, line: null, column: null };
    }
    const events: StepTreeEvent[] = [];
    // A fresh error object per step: consumers may keep or mutate them independently.
    while (this.stack.length > 0) events.push(this.close(status, error && { ...error }, end.at, end.line));
    return events;
  }

  private complete(name: string, at: number, line: number, stated: { timestamp?: number; durationMs?: number } = {}): StepTreeEvent[] {
    if (name === '') {
      if (this.stack.length === 0) {
        return [this.protocolWarning('STEP_COMPLETE without a name, but no step is open', at)];
      }
      return [this.close('succeeded', null, at, line, stated)];
    }
    let index = this.stack.length - 1;
    while (index >= 0 && this.stack[index]!.name !== name) index--;
    if (index < 0) {
      const open = this.stack.length === 0 ? 'no step is open' : `open: ${this.stack.map((s) => JSON.stringify(s.name)).join(' > ')}`;
      return [this.protocolWarning(`STEP_COMPLETE:${name} does not match an open step (${open})`, at)];
    }
    const events: StepTreeEvent[] = [];
    while (this.stack.length > index) events.push(this.close('succeeded', null, at, line, this.stack.length - 1 === index ? stated : {}));
    return events;
  }

  /** Pops and finishes the innermost open step. */
  private close(
    status: Exclude<StepStatus, 'running'>,
    error: StepError | null,
    at: number,
    line: number,
    stated: { timestamp?: number; durationMs?: number } = {},
  ): StepFinishedEvent {
    const path = this.openPath();
    const step = this.stack.pop()!;
    if (step.heldError && status !== 'cancelled') {
      status = 'failed';
      error = step.heldError;
    }
    if (status === 'failed') this.failed = true;
    let durationMs = at - step.startedAt;
    if (stated.durationMs !== undefined) durationMs = stated.durationMs;
    else if (stated.timestamp !== undefined && step.statedStart !== undefined) durationMs = stated.timestamp - step.statedStart;
    return {
      type: 'stepFinished',
      runId: this.runId,
      stepId: step.id,
      path,
      status,
      endedAt: at,
      durationMs: Math.max(0, durationMs),
      error,
      line,
    };
  }

  /** Names from the root to the innermost open step: the step path of the events about it. */
  private openPath(): string[] {
    return this.stack.map((s) => s.name);
  }

  private protocolWarning(message: string, at: number): StepTreeEvent {
    const warning: StepWarning = { type: 'protocol', severity: 'warning', message, file: null, line: null, column: null };
    return { type: 'warning', runId: this.runId, stepId: null, warning, at };
  }
}
