// All runs one sidecar is running at once. Their events are collected and handed to the
// publisher in batches (one LSP notification per ~50 ms, never one per log line).
import type { RunEvent } from '../protocol/events';
import type { RunParams } from '../protocol/lsp';
import type { Store } from '../store/store';
import { RunSession } from './runSession';
import { cancelElsewhere, type CancelAnswer } from './processRecords';
import { claimOrphan, findOrphans } from './adoption';
import type { TraceTarget } from '../telemetry/traceTarget';
import { exportRunTrace } from '../telemetry/traceExport';
import { hubSourcesFor, resolveRun, traceTargetFor } from './runConfig';
import { HubDelivery } from '../hub/hubDelivery';
import type { HubTargetSources } from '../hub/hubTarget';

export class RunManager {
  private readonly sessions = new Map<string, RunSession>();
  private pending: RunEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private immediate: NodeJS.Immediate | undefined;

  /**
   * `adoptGraceMs` (the language server): runs may outlive this process by that long, for
   * the next language server to adopt (runs/adoption.ts). Absent: they end with it.
   */
  constructor(
    private readonly store: Store,
    private readonly publish: (events: RunEvent[]) => void,
    private readonly batchMs = 50,
    private readonly adoptGraceMs?: number,
  ) {}

  /** Sends the outbox to a team hub after each run, off the run's path (hub/hubDelivery.ts). */
  private readonly hubShipper = new HubDelivery(() => this.store);

  /**
   * Starts a run; resolves with its id once the script is spawned. `params` is the request's
   * layer (the editor's explicit settings, the API's body) over the script's stepflow.json
   * (runs/runConfig.ts). Throws UserError on bad input.
   */
  async start(params: RunParams): Promise<string> {
    const { options, traceTarget, hub } = resolveRun(params);
    const session = new RunSession(this.store, {
      ...options,
      liveOutput: true,
      ...(this.adoptGraceMs !== undefined ? { adoptGraceMs: this.adoptGraceMs } : {}),
    });
    session.onEvent((event) => this.queue(event));
    await session.start();
    this.track(session, traceTarget, hub);
    return session.runId;
  }

  /**
   * Takes over the runs a dead language server left running (runs/adoption.ts) and follows
   * them to their end like our own. Returns their ids.
   */
  adoptOrphans(): string[] {
    const adopted: string[] = [];
    for (const orphan of findOrphans(this.store)) {
      try {
        if (!claimOrphan(this.store, orphan)) continue; // another process was first
        const session = new RunSession(this.store, { script: orphan.script, cwd: orphan.cwd, liveOutput: true, ...(this.adoptGraceMs !== undefined ? { adoptGraceMs: this.adoptGraceMs } : {}) }, orphan.id);
        session.onEvent((event) => this.queue(event));
        session.resume(orphan, this.store.storedProgress(orphan.rid));
        this.track(session, traceTargetFor(orphan.script), hubSourcesFor(orphan.script));
        adopted.push(orphan.id);
      } catch (err) {
        process.emitWarning(`StepFlow could not adopt run ${orphan.id}: ${(err as Error).message}`);
      }
    }
    return adopted;
  }

  /**
   * On shutdown of a language server: its runs go on (a window reload must not end them);
   * what was read is stored, and the next language server adopts them. Close the store after.
   */
  detachAll(): void {
    for (const session of this.sessions.values()) session.detach();
    this.sessions.clear();
    this.flushEvents();
  }

  private track(session: RunSession, traceTarget: TraceTarget | undefined, hub: HubTargetSources): void {
    this.sessions.set(session.runId, session);
    void session.done.then(() => {
      this.sessions.delete(session.runId);
      this.flushEvents();
      if (traceTarget) this.exportTrace(session.runId, traceTarget);
      this.hubShipper.shipSoon(hub);
    });
  }

  /**
   * The run is over and stored (its `done` includes the store flush): its record goes to the
   * collector from here, off the run's path (docs/architecture.md, "Trace export"). Read now,
   * synchronously, because a shutdown closes the store right after `done`.
   */
  private exportTrace(runId: string, target: TraceTarget): void {
    try {
      const record = this.store.getRun(runId);
      if (record) exportRunTrace(record, target);
    } catch (err) {
      process.emitWarning(`StepFlow could not export run ${runId} as a trace: ${(err as Error).message}`);
    }
  }

  /** Cancels a run this process started; false when it did not start it (or it is over). */
  cancel(runId: string): boolean {
    const session = this.sessions.get(runId);
    session?.cancel();
    return session !== undefined;
  }

  /**
   * Cancels a run wherever it was started on this machine by this user: our own through its
   * session, another process's (a `stepflow run` in a terminal, another window) by signalling
   * its verified process group (runs/processRecords.ts). The answer says why when it cannot.
   * Used by the LSP `stepflow/cancel` request and `POST /api/executions/:id/cancel`.
   */
  cancelAnywhere(runId: string, graceMs = 3000): CancelAnswer {
    if (this.cancel(runId)) return { cancelled: true };
    return cancelElsewhere(this.store, runId, graceMs);
  }

  /**
   * On shutdown: cancels every run (SIGTERM to each group, SIGKILL after the grace period)
   * and resolves once each has ended and its end is written — close the store only after.
   */
  async stopAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.cancel();
    await Promise.all(sessions.map((s) => s.done));
    this.flushEvents();
  }

  owns(runId: string): boolean {
    return this.sessions.has(runId);
  }

  get activeCount(): number {
    return this.sessions.size;
  }

  /** On shutdown: no script outlives the sidecar that started it. */
  killAll(): void {
    for (const session of this.sessions.values()) session.kill();
  }

  private queue(event: RunEvent): void {
    this.pending.push(event);
    if (event.type === 'runFinished' || event.type === 'runStarted') {
      this.flushEvents();
    } else if (!this.timer && !this.immediate) {
      // The first events after a quiet spell leave on the next turn of the event loop (with
      // the rest of their output chunk); while events keep coming they leave at most every
      // batchMs. batchMs 0 (the service) always sends on the next turn.
      const quiet = Date.now() - this.lastFlush >= this.batchMs;
      if (this.batchMs <= 0 || quiet) this.immediate = setImmediate(() => this.flushEvents());
      else this.timer = setTimeout(() => this.flushEvents(), this.lastFlush + this.batchMs - Date.now());
    }
  }

  /** Publishes the queued events now (before an answer that must not overtake them). */
  sendPendingEvents(): void {
    this.flushEvents();
  }

  private flushEvents(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.pending.length === 0) return;
    this.lastFlush = Date.now();
    const events = this.pending;
    this.pending = [];
    this.publish(events);
  }
}
