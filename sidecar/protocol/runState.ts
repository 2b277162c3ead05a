// The live state of one run, rebuilt from RunEvents. The sidecar owns run state; views
// (tree, status bar, panel, dashboard) keep one of these per run and apply the same events,
// or replace it wholesale from a stored RunRecord snapshot.
import type { RunEvent, RunStartedEvent } from './events';
import type { RunRecord, StepRecord } from './model';
import type { RunExpectations } from './stats';

export interface LiveRun {
  record: RunRecord;
  /** Steps by id, for O(1) updates. */
  steps: Map<number, StepRecord>;
  /** Ids of the steps still running, innermost last. */
  open: number[];
  /** What history expects of this run (from its runStarted event or a request); for the ETA. */
  expectations?: RunExpectations | null;
}

export function liveRunFromStart(event: RunStartedEvent): LiveRun {
  return {
    record: {
      id: event.runId,
      script: event.script,
      args: event.args,
      cwd: event.cwd,
      profile: event.profile,
      status: 'running',
      exitCode: null,
      signal: null,
      startedAt: new Date(event.startedAt).toISOString(),
      endedAt: null,
      durationMs: null,
      lineCount: 0,
      error: null,
      warnings: [],
      meta: {},
      steps: [],
      artifacts: [],
    },
    steps: new Map(),
    open: [],
    expectations: event.expectations ?? null,
  };
}

export function liveRunFromRecord(record: RunRecord): LiveRun {
  const run: LiveRun = { record, steps: new Map(), open: [] };
  const visit = (steps: StepRecord[]) => {
    for (const step of steps) {
      run.steps.set(step.id, step);
      if (step.status === 'running') run.open.push(step.id);
      visit(step.children);
    }
  };
  visit(record.steps);
  return run;
}

/** Applies one event; returns false when it does not belong to this run. */
export function applyRunEvent(run: LiveRun, event: RunEvent): boolean {
  const record = run.record;
  if (event.runId !== record.id) return false;
  switch (event.type) {
    case 'runStarted':
      return true;
    case 'stepStarted': {
      const step: StepRecord = {
        id: event.stepId,
        name: event.name,
        status: 'running',
        startedAt: event.startedAt,
        endedAt: null,
        durationMs: null,
        error: null,
        warnings: [],
        meta: {},
        firstLine: event.line,
        lastLine: null,
        children: [],
      };
      run.steps.set(step.id, step);
      const parent = event.parentId === null ? undefined : run.steps.get(event.parentId);
      (parent ? parent.children : record.steps).push(step);
      run.open.push(step.id);
      return true;
    }
    case 'stepFinished': {
      const step = run.steps.get(event.stepId);
      if (step) {
        step.status = event.status;
        step.endedAt = event.endedAt;
        step.durationMs = event.durationMs;
        step.error = event.error;
        step.lastLine = event.line;
      }
      run.open = run.open.filter((id) => id !== event.stepId);
      return true;
    }
    case 'warning': {
      const owner = event.stepId === null ? record : run.steps.get(event.stepId);
      owner?.warnings.push(event.warning);
      return true;
    }
    case 'meta': {
      const owner = event.stepId === null ? record : run.steps.get(event.stepId);
      if (owner) owner.meta[event.key] = event.value;
      return true;
    }
    case 'artifact': {
      const step = event.stepId === null ? undefined : run.steps.get(event.stepId);
      record.artifacts.push({
        path: event.path,
        description: event.description,
        step: step?.name ?? null,
        stepId: event.stepId,
        ...(event.outsideRun ? { outsideRun: true } : {}),
      });
      return true;
    }
    case 'runError':
      record.error = event.error;
      return true;
    case 'output':
      record.lineCount = Math.max(record.lineCount, event.firstLine + event.lineCount - 1);
      return true;
    case 'runFinished':
      record.status = event.status;
      record.exitCode = event.exitCode;
      record.signal = event.signal;
      record.endedAt = new Date(event.endedAt).toISOString();
      record.durationMs = event.durationMs;
      record.lineCount = event.lineCount;
      record.error = event.error;
      if (event.summary !== undefined) record.summary = event.summary;
      run.open = [];
      return true;
  }
}

/**
 * The run after a batch of events, leaving `run` as it was: `run` itself when none of the
 * events belongs to it, else a new LiveRun whose record is a new object, and in it a new
 * object for every step, list or map an event changes and for the steps above a changed
 * step (their `children` change). What no event touched is shared with `run`, so a batch
 * costs the depth of the steps it touches, not the size of the run. Views that compare by
 * identity (Lit properties) thus see every change without a version counter;
 * `applyRunEvent` stays the one place that knows what an event means.
 */
export function withRunEvents(run: LiveRun, events: readonly RunEvent[]): LiveRun {
  const mine = events.filter((event) => event.runId === run.record.id);
  if (mine.length === 0) return run;
  const next: LiveRun = { ...run, record: { ...run.record }, open: [...run.open] };
  const copied = new Set<number>();
  let ownLists = false;
  /** Makes the record's step list and the step map `next`'s own (once per batch). */
  const ownTree = (): void => {
    if (ownLists) return;
    ownLists = true;
    next.record.steps = [...next.record.steps];
    next.steps = new Map(next.steps);
  };
  /** Gives `next` its own copy of step `id` and of the steps above it. */
  const ownStep = (id: number): void => {
    if (copied.has(id) || !next.steps.has(id)) return;
    ownTree();
    let list = next.record.steps;
    for (const index of pathTo(list, id) ?? []) {
      let step = list[index];
      if (!copied.has(step.id)) {
        step = { ...step, children: [...step.children], warnings: [...step.warnings], meta: { ...step.meta } };
        list[index] = step;
        next.steps.set(step.id, step);
        copied.add(step.id);
      }
      list = step.children;
    }
  };
  for (const event of mine) {
    switch (event.type) {
      case 'stepStarted':
        ownTree();
        if (event.parentId !== null) ownStep(event.parentId);
        break;
      case 'stepFinished':
        ownStep(event.stepId);
        break;
      case 'warning':
        if (event.stepId === null) next.record.warnings = [...next.record.warnings];
        else ownStep(event.stepId);
        break;
      case 'meta':
        if (event.stepId === null) next.record.meta = { ...next.record.meta };
        else ownStep(event.stepId);
        break;
      case 'artifact':
        next.record.artifacts = [...next.record.artifacts];
        break;
    }
    applyRunEvent(next, event);
  }
  return next;
}

/**
 * Indices from `steps` down to the step `id`. Ids grow in start order, so a step lies under
 * the last sibling whose id is not above it; a tree that breaks this is searched whole.
 */
function pathTo(steps: readonly StepRecord[], id: number): number[] | undefined {
  const path: number[] = [];
  let list = steps;
  for (;;) {
    let index = list.length - 1;
    while (index >= 0 && list[index].id > id) index--;
    if (index < 0) return searchPath(steps, id);
    path.push(index);
    if (list[index].id === id) return path;
    list = list[index].children;
  }
}

function searchPath(steps: readonly StepRecord[], id: number): number[] | undefined {
  for (let index = 0; index < steps.length; index++) {
    if (steps[index].id === id) return [index];
    const below = searchPath(steps[index].children, id);
    if (below) return [index, ...below];
  }
  return undefined;
}

/** The innermost running step, for status bars and spinners. */
export function currentStep(run: LiveRun): StepRecord | undefined {
  const id = run.open[run.open.length - 1];
  return id === undefined ? undefined : run.steps.get(id);
}
