// One run of one script: the process, a marker parser per stream, the step tracker and
// the store, wired together. Everything a run produces leaves through `RunEvent`s, the
// same vocabulary the editor, the dashboard and the store speak. Its parts elsewhere: how a
// run ended (runOutcome.ts), an adopted run's replay (adoptionReplay.ts), masking
// (outputMasking.ts) and the step summary file (stepSummary.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutputParser, type ParsedBatch, type ParsedMarker } from '../markers/outputParser';
import { StepTracker } from '../markers/stepTracker';
import { createDialects } from '../markers/dialects/registry';
import { SecretMasker } from './secretMasker';
import { SpoolScrubber, maskBatch } from './outputMasking';
import { STEP_SUMMARY_ENV, StepSummaryFile } from './stepSummary';
import { resolveInvocation } from '../runner/interpreter';
import { startProcess, shellExitCode, type ProcessOutcome, type RunningProcess } from '../runner/processRunner';
import type { SpoolSource, Store, StoredProgress } from '../store/store';
import type { StepStatistic } from '../protocol/statistics';
import { stepPathKey } from '../store/schema';
import { detectOutlier, practicalOutlierOptions } from '../stats/outliers';
import type { RunEvent, RunFinishedEvent } from '../protocol/events';
import type { RunParams } from '../protocol/lsp';
import type { RunStatus, StreamName } from '../protocol/model';
import type { RunExpectations } from '../protocol/stats';
import { UserError, oneLine } from '../util/errors';
import { startIdentity } from '../runner/processGroup';
import { cancelRequested, recordProcess } from './processRecords';
import { followAdoptedProcess } from '../runner/adoptedProcess';
import { dropClaim } from '../runner/ownerClaim';
import type { OrphanRun } from './adoption';
import { AdoptionReplay } from './adoptionReplay';
import { endOfLine } from './batchLines';
import { runError, runStatus } from './runOutcome';

/**
 * A run as RunSession starts it: the request's fields (protocol/lsp.ts RunParams, by the same
 * names and meanings) as resolved from the client's settings and stepflow.json
 * (runs/runConfig.ts), plus what only the sidecar decides.
 */
export interface RunOptions
  extends Pick<
    RunParams,
    | 'script'
    | 'args'
    | 'cwd'
    | 'profileName'
    | 'profile'
    | 'env'
    | 'interpreters'
    | 'graceMs'
    | 'separateStderr'
    | 'outlierMinSamples'
    | 'outlierMinSlowdownMs'
    | 'outlierMinSlowdownPercent'
    | 'dialects'
    | 'maskEnv'
  > {
  timeoutMs?: number;
  /** Decode output into `output` events (costly for huge logs; only when someone watches live). */
  liveOutput?: boolean;
  /**
   * Let the script outlive this process by this long (a language server that a window reload
   * restarts): the next language server adopts the run (runs/adoption.ts). None: the script
   * ends with us.
   */
  adoptGraceMs?: number;
}

export interface RunResult {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  /** What a shell would report: the exit code, or 128+signal when killed. */
  shellExitCode: number;
  finished: RunFinishedEvent;
}

type Listener = (event: RunEvent) => void;
/** Raw output, whole lines only, before any decoding (for pass-through to a terminal). */
type OutputListener = (stream: StreamName, bytes: Buffer, firstLine: number, lineCount: number) => void;

export class RunSession {
  readonly done: Promise<RunResult>;
  private readonly listeners: Listener[] = [];
  private readonly outputListeners: OutputListener[] = [];
  private readonly parsers: Record<StreamName, OutputParser>;
  /** Secrets of this run: everything is masked with them before it is stored or shown (outputMasking.ts). */
  private readonly masker = new SecretMasker();
  private scrubber: SpoolScrubber | undefined;
  /** The file behind $GITHUB_STEP_SUMMARY (stepSummary.ts); its Markdown becomes the run's summary. */
  private summaryFile: StepSummaryFile | undefined;
  /** A $GITHUB_STEP_SUMMARY we were given ourselves (StepFlow inside a GitHub job): the summary is passed on. */
  private outerSummary: string | undefined;
  private tracker!: StepTracker;
  private process: RunningProcess | undefined;
  private lineCount = 0;
  /** Bytes of each stream read so far: where the next chunk starts in its spool file. */
  private readonly spoolOffsets: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private startedAt = 0;
  private resolveDone!: (result: RunResult) => void;
  /** A cancel (or kill) that came before the script was spawned: honoured once it is. */
  private stopBeforeStart = false;
  /** Statistics of this script's steps as they were before this run, by stepPathKey. */
  private readonly baselines = new Map<string, StepStatistic>();
  /** An adopted run (resume()): the lines the dead owner stored, read again only to rebuild the tracker. */
  private replay: AdoptionReplay | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: RunOptions,
    readonly runId: string = newRunId(),
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // One parser per stream, each with its own dialect instances (they keep state per line sequence).
    this.parsers = {
      stdout: new OutputParser({ dialects: createDialects(options.dialects) }),
      stderr: new OutputParser({ dialects: createDialects(options.dialects) }),
    };
  }

  /** Subscribe before `start()` to see every event, `runStarted` included. */
  onEvent(listener: Listener): void {
    this.listeners.push(listener);
  }

  onOutput(listener: OutputListener): void {
    this.outputListeners.push(listener);
  }

  /** Validates the request, records the run and spawns the script. Throws UserError on bad input. */
  async start(): Promise<void> {
    const { script, cwd, args, baseEnv } = this.request();
    const invocation = await resolveInvocation({ script, args, overrides: this.options.interpreters ?? {}, env: baseEnv });

    const expectations = this.loadHistory(script);
    this.startedAt = Date.now();
    this.tracker = new StepTracker({ runId: this.runId, cwd });
    const profile = this.options.profileName ?? null;
    // The script gets its real arguments; the record never holds a secret one.
    const shownArgs = args.map((arg) => this.masker.maskText(arg));
    this.store.createRun({ id: this.runId, script, args: shownArgs, cwd, profile, startedAt: this.startedAt, ownerPid: process.pid });
    this.emit({ type: 'runStarted', runId: this.runId, script, args: shownArgs, cwd, profile, startedAt: this.startedAt, expectations }, false);

    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      ...invocation.env,
      STEPFLOW: '1',
      STEPFLOW_RUN_ID: this.runId,
    };
    this.giveStepSummary(baseEnv, env);
    if (this.stopBeforeStart) {
      // Cancelled while starting up: the script never runs, the run is stored as cancelled.
      queueMicrotask(() => this.finish({ exitCode: null, signal: null, reason: 'cancelled' }));
      return;
    }
    this.process = this.spawn(invocation, cwd, env);
    this.follow(this.process);
    this.recordProcessGroup(this.process);
  }

  /** The script, its folder, arguments and environment the request names (profile included); secrets of the environment registered. */
  private request(): { script: string; cwd: string; args: string[]; baseEnv: NodeJS.ProcessEnv } {
    const script = path.resolve(this.options.script);
    if (!fs.existsSync(script)) throw new UserError(`script not found: ${script}`);
    if (fs.statSync(script).isDirectory()) throw new UserError(`not a script but a directory: ${script}`);
    const cwd = path.resolve(this.options.cwd ?? path.dirname(script));
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) throw new UserError(`working directory not found: ${cwd}`);
    const args = [...(this.options.args ?? []), ...(this.options.profile?.args ?? [])];
    const baseEnv: NodeJS.ProcessEnv = { ...inheritedEnv(process.env), ...this.options.profile?.env, ...this.options.env };
    for (const name of this.options.maskEnv ?? []) {
      const value = baseEnv[name];
      if (value) this.masker.add(value);
    }
    return { script, cwd, args, baseEnv };
  }

  /** $GITHUB_STEP_SUMMARY in the script's `env`: a file of this run's (one we were given ourselves is passed on at the end). */
  private giveStepSummary(baseEnv: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): void {
    this.outerSummary = baseEnv[STEP_SUMMARY_ENV] || undefined;
    try {
      this.summaryFile = StepSummaryFile.create(this.store.logDir, this.runId);
      env[STEP_SUMMARY_ENV] = this.summaryFile.path;
    } catch (err) {
      // Without it the script still runs; `>> "$GITHUB_STEP_SUMMARY"` then fails in the script only.
      process.emitWarning(`StepFlow could not create the step summary file of run ${this.runId}: ${oneLine(err)}`);
    }
  }

  private spawn(invocation: { command: string; args: string[] }, cwd: string, env: NodeJS.ProcessEnv): RunningProcess {
    return startProcess({
      command: invocation.command,
      args: invocation.args,
      cwd,
      env,
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.graceMs !== undefined ? { graceMs: this.options.graceMs } : {}),
      // Beside the database, so that the store can keep a big run's output where the
      // script wrote it instead of copying it (see store/logFiles.ts).
      ...(this.store.logDir !== null ? { spoolIn: this.store.logDir } : {}),
      mergeStderr: this.options.separateStderr !== true,
      // Another process cancelled the run (runs/processRecords.ts): a stop like our own.
      stopRequested: () => (cancelRequested(this.store, this.runId) ? 'cancelled' : undefined),
      ...(this.options.adoptGraceMs !== undefined ? { adoptable: { waitMs: this.options.adoptGraceMs } } : {}),
    });
  }

  /** The process group and spool folder in the run's record: for a cancel from elsewhere and to keep output after a crash. */
  private recordProcessGroup(running: RunningProcess): void {
    const pid = running.pid;
    if (pid === undefined || process.platform === 'win32') return;
    try {
      const adoptable = this.options.adoptGraceMs !== undefined && running.spoolFolder !== null;
      recordProcess(this.store, this.runId, {
        pgid: pid,
        procStart: startIdentity(pid),
        spoolDir: running.spoolFolder,
        ...(adoptable ? { adoptGraceMs: this.options.adoptGraceMs } : {}),
      });
    } catch (err) {
      // Only cancelling from elsewhere and keeping output after a crash depend on it.
      process.emitWarning(`StepFlow could not record the process of run ${this.runId}: ${oneLine(err)}`);
    }
  }

  /** Reads the process's output (scrubbing secrets from its spool files) until it ends, then finishes the run. */
  private follow(running: RunningProcess): void {
    if (running.spoolFiles) this.scrubber = new SpoolScrubber(running.spoolFiles);
    running.onOutput((stream, chunk) => this.ingestChunk(stream, chunk));
    void running.done.then((outcome) => this.finish(outcome));
  }

  /**
   * Follows on a run whose sidecar died (runs/adoption.ts; claimed by us in the database):
   * re-reads its spool files from the start — the lines `progress` says are stored rebuild
   * the step tracker without being stored or sent again — then goes on like a run we started,
   * up to its real end.
   */
  resume(orphan: OrphanRun, progress: StoredProgress): void {
    this.startedAt = orphan.startedAt;
    this.tracker = new StepTracker({ runId: this.runId, cwd: orphan.cwd });
    this.loadHistory(orphan.script);
    this.replay = new AdoptionReplay(progress, this.tracker, this.startedAt);
    this.lineCount = progress.lines.stdout + progress.lines.stderr;
    this.summaryFile = StepSummaryFile.existing(this.store.logDir, this.runId);
    this.process = followAdoptedProcess({
      pgid: orphan.pgid,
      procStart: orphan.procStart,
      spool: orphan.spool,
      waitMs: orphan.adoptGraceMs,
      ...(this.options.graceMs !== undefined ? { graceMs: this.options.graceMs } : {}),
      stopRequested: () => (cancelRequested(this.store, this.runId) ? 'cancelled' : undefined),
    });
    this.follow(this.process);
    // We guard the group now: the dead owner's watchdog may let go of it.
    dropClaim(orphan.spool.folder, orphan.ownerPid);
  }

  /**
   * Our process is going away but the script is to go on (an adoptable run): stop following
   * it, store what was read, and leave the rest to the next language server. `done` never
   * resolves.
   */
  detach(): void {
    this.process?.detach();
    this.store.flush();
  }

  /** SIGTERM to the script's whole process group, SIGKILL after the grace period. */
  cancel(): void {
    if (!this.process) this.stopBeforeStart = true;
    this.process?.cancel();
  }

  /** Last resort when our own process is going away: kill the group at once. */
  kill(): void {
    if (!this.process) this.stopBeforeStart = true;
    this.process?.killGroup('SIGKILL');
  }

  get currentSteps(): ReadonlyArray<{ id: number; name: string }> {
    return this.tracker ? this.tracker.openSteps() : [];
  }

  private ingestChunk(stream: StreamName, chunk: Buffer): void {
    const parser = this.parsers[stream];
    const carriedIn = parser.pendingBytes > 0;
    const masked = maskBatch(parser.push(chunk), this.masker);
    let batch = masked.batch;
    let offset = this.spoolOffsets[stream];
    this.scrubber?.scrub(stream, chunk, offset, this.masker);
    this.spoolOffsets[stream] += chunk.length;
    // The lines are exactly this chunk (no line carried in or out, none cut at the cap, no
    // secret masked), so they are these bytes of the spool file too: the store may point there.
    const spool = this.process?.spoolFiles;
    const exact = spool && !masked.changed && !carriedIn && parser.pendingBytes === 0 && batch.bytes.length === chunk.length;
    if (this.replay?.pending(stream) && batch.lineCount > 0) {
      const replayed = this.replay.take(stream, batch);
      batch = replayed.rest;
      offset += replayed.bytes;
    }
    this.ingest(stream, batch, exact ? { file: spool[stream], offset } : undefined);
  }

  private ingest(stream: StreamName, batch: ParsedBatch, source?: SpoolSource): void {
    if (batch.lineCount === 0) return;
    const at = Date.now();
    const firstLine = this.lineCount + 1;
    this.lineCount += batch.lineCount;
    this.store.appendOutput(this.runId, stream, firstLine, batch.lineCount, batch.bytes, at, source);
    if (this.options.liveOutput) {
      this.emit(
        { type: 'output', runId: this.runId, stream, firstLine, lineCount: batch.lineCount, text: batch.bytes.toString('utf8'), at },
        false,
      );
    }
    if (this.outputListeners.length === 0) {
      // Nobody to show the output to (`stepflow run --json`): no need to cut it at markers.
      for (const marker of batch.markers) this.applyMarker(marker, at, firstLine);
      return;
    }
    // Pass-through listeners see the output cut at each marker line, with the marker's
    // events in between, so a terminal shows "▶ Build" right after its STEP_START line.
    let offset = 0;
    let linesDone = 0;
    for (const marker of batch.markers) {
      const end = endOfLine(batch.bytes, offset, marker.index + 1 - linesDone);
      this.passThrough(stream, batch.bytes.subarray(offset, end), firstLine + linesDone, marker.index + 1 - linesDone);
      linesDone = marker.index + 1;
      offset = end;
      this.applyMarker(marker, at, firstLine);
    }
    this.passThrough(stream, batch.bytes.subarray(offset), firstLine + linesDone, batch.lineCount - linesDone);
  }

  private applyMarker(marker: ParsedMarker, at: number, batchFirstLine: number): void {
    for (const event of this.tracker.apply(marker.event, at, batchFirstLine + marker.index)) this.emitStepEvent(event);
  }

  private passThrough(stream: StreamName, bytes: Buffer, firstLine: number, lineCount: number): void {
    if (lineCount <= 0) return;
    for (const listener of this.outputListeners) listener(stream, bytes, firstLine, lineCount);
  }

  private finish(outcome: ProcessOutcome): void {
    this.ingest('stdout', maskBatch(this.parsers.stdout.end(), this.masker).batch);
    this.ingest('stderr', maskBatch(this.parsers.stderr.end(), this.masker).batch);
    this.scrubber?.close();
    const endedAt = Date.now();
    const reason = outcome.reason === 'spawn_failed' ? 'exited' : outcome.reason;
    const line = Math.max(this.lineCount, 1);
    for (const event of this.tracker.finish({ at: endedAt, line, exitCode: outcome.exitCode, signal: outcome.signal, reason })) {
      this.emitStepEvent(event);
    }
    const status = runStatus(outcome, this.tracker.hasFailedStep, this.tracker.runError);
    const error = runError(outcome, this.tracker.runError);
    const summary = this.collectSummary();
    const finished: RunFinishedEvent = {
      type: 'runFinished',
      runId: this.runId,
      status,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      endedAt,
      durationMs: endedAt - this.startedAt,
      lineCount: this.lineCount,
      error,
      ...(summary !== null ? { summary } : {}),
    };
    this.emit(finished, true);
    try {
      this.store.flush();
    } catch (err) {
      // The store keeps what it could not write and retries on its next flush; the run's
      // outcome must still reach the caller (the CLI's exit code, the editor's tree).
      process.emitWarning(`StepFlow could not save run ${this.runId} yet: ${oneLine(err)}`);
    }
    // What the store kept of the spool has moved out of its folder by now; a later retry
    // of a failed flush writes the bytes it still holds instead.
    this.process?.removeSpool();
    this.summaryFile?.remove();
    this.resolveDone({ runId: this.runId, status, shellExitCode: shellExitCode(outcome), finished });
  }

  /** The step summary as stored (masked with every secret of the run), passed on to an outer GitHub job's. */
  private collectSummary(): string | null {
    const summary = this.summaryFile?.collect(this.masker) ?? null;
    if (summary !== null && this.outerSummary) {
      try {
        fs.appendFileSync(this.outerSummary, summary.endsWith('\n') ? summary : `${summary}\n`);
      } catch (err) {
        process.emitWarning(`StepFlow could not pass the step summary on to ${this.outerSummary}: ${oneLine(err)}`);
      }
    }
    return summary;
  }

  /**
   * The baseline of each step is read once, when the run starts, so a step is judged
   * against the runs before this one, never against its own duration.
   */
  private loadHistory(script: string): RunExpectations | null {
    try {
      for (const stat of this.store.stepStats(script)) this.baselines.set(stepPathKey(stat.path), stat);
      return this.store.runExpectations(script);
    } catch (err) {
      // Statistics are a nicety: a run never fails because they cannot be read.
      process.emitWarning(`StepFlow could not read the statistics of ${script}: ${oneLine(err)}`);
      return null;
    }
  }

  /** A step-tree event, then (after a succeeded step that took unusually long) its outlier warning. */
  private emitStepEvent(event: RunEvent): void {
    this.emit(event, true);
    if (event.type === 'stepFinished') {
      // The tracker put the step's path on the event (names from the root).
      if (event.status !== 'succeeded' || !event.path) return;
      const baseline = this.baselines.get(stepPathKey(event.path));
      if (!baseline) return;
      const warning = detectOutlier(event.durationMs, baseline, practicalOutlierOptions(this.options));
      if (warning) this.emit({ type: 'warning', runId: this.runId, stepId: event.stepId, warning, at: event.endedAt }, true);
    }
  }

  private emit(event: RunEvent, persist: boolean): void {
    if (persist) this.store.enqueue(event);
    for (const listener of this.listeners) listener(event);
  }
}

/** Sortable by start time and short enough to type (a unique prefix is enough for `stepflow show`). */
export function newRunId(): string {
  return Date.now().toString(36).padStart(9, '0') + randomBytes(4).toString('hex').slice(0, 6);
}

/** Names the variables the extension set for the sidecar process itself (extension/sidecarClient.ts). */
export const SIDECAR_ENV = 'STEPFLOW_SIDECAR_ENV';

/**
 * The environment a script inherits: ours, less what the extension set for the sidecar
 * alone — ELECTRON_RUN_AS_NODE (a `code --wait` in a script would start VS Code as Node)
 * and STEPFLOW_SQLITE_DRIVER (a nested `stepflow run` on another Node may not have that
 * driver) — as listed in $STEPFLOW_SIDECAR_ENV.
 */
export function inheritedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherited = { ...env };
  for (const name of (env[SIDECAR_ENV] ?? '').split(',')) if (name) delete inherited[name];
  delete inherited[SIDECAR_ENV];
  return inherited;
}
