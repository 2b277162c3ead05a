// The extension's view of runs: live state built from the sidecar's events (runs started
// here) and snapshots (runs started elsewhere). Views listen to `onDidChange`, which fires
// at most every `batchMs` — never once per log line.
import * as vscode from 'vscode';
import { throttle } from './throttle';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RunEvent } from '../sidecar/protocol/events';
import type { RunRecord } from '../sidecar/protocol/model';
import {
  ExternalRunsChangedNotification,
  GetRunRequest,
  ListRunsRequest,
  RunEventsNotification,
  RunExpectationsRequest,
} from '../sidecar/protocol/lsp';
import { applyRunEvent, liveRunFromRecord, liveRunFromStart, type LiveRun } from '../sidecar/protocol/runState';

export class RunsModel implements vscode.Disposable {
  private readonly runs = new Map<string, LiveRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly rawEvents = new vscode.EventEmitter<RunEvent>();
  private readonly snapshots = new vscode.EventEmitter<RunRecord[]>();
  private readonly disposables: vscode.Disposable[] = [this.changed, this.rawEvents, this.snapshots];
  private lastSeq = 0;

  /** Fires (batched) when any run changed. */
  readonly onDidChange = this.changed.event;
  /** Every live event as it arrives (terminals, status bar need output and timing). */
  readonly onEvent = this.rawEvents.event;
  /** Stored records that replaced runs (runs of other processes, resyncs): the history panel forwards them. */
  readonly onSnapshot = this.snapshots.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly limit: () => number,
    private readonly batchMs = 75,
  ) {
    this.disposables.push(
      client.onNotification(RunEventsNotification, ({ seq, events }) => {
        const missed = this.lastSeq !== 0 && seq !== this.lastSeq + 1;
        this.lastSeq = seq;
        for (const event of events) this.apply(event);
        if (missed) void this.refreshRunning();
      }),
      client.onNotification(ExternalRunsChangedNotification, ({ runIds }) => void this.refresh(runIds)),
    );
  }

  /** Loads the newest stored runs (at start, and after a sidecar restart). */
  async load(): Promise<void> {
    const summaries = await this.client.sendRequest(ListRunsRequest, { limit: this.limit() });
    await this.refresh(summaries.map((s) => s.id));
  }

  /** Newest first, bounded by the `stepflow.view.runsShown` setting. */
  list(): LiveRun[] {
    return [...this.runs.values()]
      .sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt) || b.record.id.localeCompare(a.record.id))
      .slice(0, this.limit());
  }

  get(runId: string): LiveRun | undefined {
    return this.runs.get(runId);
  }

  /**
   * Replaces runs with stored snapshots. Each one as soon as it arrives: the sidecar sends a
   * run's events before the snapshot that holds them, so a snapshot is never older than the
   * events applied before it — but it would be if it waited for the other answers.
   */
  async refresh(runIds: string[]): Promise<void> {
    const records = await Promise.all(
      runIds.map((runId) =>
        this.client.sendRequest(GetRunRequest, { runId }).then((record) => {
          if (record) this.runs.set(record.id, { ...liveRunFromRecord(record), expectations: this.runs.get(record.id)?.expectations });
          return record;
        }),
      ),
    );
    const found = records.filter((r): r is RunRecord => r !== null);
    if (found.length) this.snapshots.fire(found);
    this.prune();
    this.scheduleChange();
    await this.loadExpectations(found.filter((r) => r.status === 'running').map((r) => r.id));
  }

  dispose(): void {
    this.scheduleChange.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private apply(event: RunEvent): void {
    if (event.type === 'runStarted') {
      this.runs.set(event.runId, liveRunFromStart(event));
      this.prune();
    } else {
      const run = this.runs.get(event.runId);
      if (run) applyRunEvent(run, event);
    }
    this.rawEvents.fire(event);
    // Output changes no view but the terminal (which listens to onEvent): a chatty script
    // must not keep the tree and status bar busy.
    if (event.type !== 'output') this.scheduleChange();
  }

  /** Expected durations (for the ETA) of running runs that did not start in this window. */
  private async loadExpectations(runIds: string[]): Promise<void> {
    const missing = runIds.filter((id) => this.runs.get(id)?.expectations === undefined);
    if (missing.length === 0) return;
    await Promise.all(
      missing.map(async (runId) => {
        // An older sidecar without the request: no ETA, nothing worse.
        const expectations = await this.client.sendRequest(RunExpectationsRequest, { runId }).then((e) => e, () => null);
        const run = this.runs.get(runId);
        if (run) run.expectations = expectations;
      }),
    );
    this.scheduleChange();
  }

  private async refreshRunning(): Promise<void> {
    await this.refresh([...this.runs.values()].filter((r) => r.record.status === 'running').map((r) => r.record.id));
  }

  private prune(): void {
    const keep = new Set(this.list().map((r) => r.record.id));
    for (const [id, run] of this.runs) if (!keep.has(id) && run.record.status !== 'running') this.runs.delete(id);
  }

  private readonly scheduleChange = throttle(() => this.changed.fire(), this.batchMs);
}
