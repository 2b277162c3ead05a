// The extension's view of runs: the one live feed of the sidecar (sidecar/protocol/live.ts,
// on the language-server connection) kept as LiveRuns by FollowedRuns (liveRuns.ts) — the
// ack's snapshot, then events of the sidecar's own runs and full records of runs other
// processes write, pushed (no request per run). Views listen to `onDidChange`, which fires
// at most every `batchMs` — never once per log line. The history panel forwards the same
// messages (`onFeed`) to its webview.
import * as vscode from 'vscode';
import { throttle } from './throttle';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RunEvent } from '../sidecar/protocol/events';
import type { RunRecord } from '../sidecar/protocol/model';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribed } from '../sidecar/protocol/live';
import type { NotificationMessage } from '../sidecar/protocol/messages';
import { RunExpectationsRequest } from '../sidecar/protocol/lsp';
import type { LiveRun } from '../sidecar/protocol/runState';
import { FollowedRuns } from './liveRuns';

export class RunsModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly rawEvents = new vscode.EventEmitter<RunEvent>();
  private readonly snapshots = new vscode.EventEmitter<RunRecord[]>();
  private readonly feedMessages = new vscode.EventEmitter<NotificationMessage>();
  private readonly disposables: vscode.Disposable[] = [this.changed, this.rawEvents, this.snapshots, this.feedMessages];
  private readonly feed: FollowedRuns;

  /** Fires (batched) when any run changed. */
  readonly onDidChange = this.changed.event;
  /** Every live event as it arrives (terminals, status bar need output and timing). */
  readonly onEvent = this.rawEvents.event;
  /** Stored records that replaced runs (the ack's snapshot, runs of other processes). */
  readonly onSnapshot = this.snapshots.event;
  /** Every live message of the sidecar's feed, after the model applied it (the history panel forwards them). */
  readonly onFeed = this.feedMessages.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly limit: () => number,
    private readonly batchMs = 75,
  ) {
    this.feed = new FollowedRuns(
      // A sidecar that is not running yet: its hello makes the model subscribe again.
      (message) => void client.sendNotification(message.method, message.params).catch(() => undefined),
      () => this.limit(),
      {
        events: (events) => {
          for (const event of events) {
            if (event.type === 'runStarted') this.prune();
            this.rawEvents.fire(event);
          }
          // Output changes no view but the terminal (which listens to onEvent): a chatty script
          // must not keep the tree and status bar busy.
          if (events.some((event) => event.type !== 'output')) this.scheduleChange();
        },
        snapshot: (records) => {
          this.snapshots.fire(records);
          this.prune();
          this.scheduleChange();
          void this.loadExpectations(records.filter((r) => r.status === 'running').map((r) => r.id));
        },
      },
    );
    for (const type of [LiveHello, LiveEvents, LiveSnapshot, LiveSubscribed]) {
      this.disposables.push(
        client.onNotification(type.method, (params: unknown) => {
          const message: NotificationMessage = { kind: 'notification', method: type.method, params };
          if (this.feed.receive(message)) this.feedMessages.fire(message);
        }),
      );
    }
  }

  /** Resolves once the runs hold the first snapshot of the feed (the subscription the sidecar's hello prompts). */
  loaded(): Promise<void> {
    return this.feed.loaded();
  }

  /** (Re)subscribes to the sidecar's feed; resolves once its snapshot has replaced the runs (at start, after a sidecar restart, Refresh). */
  load(): Promise<void> {
    return this.feed.subscribe();
  }

  /** The seq of the last live/events message applied: an ack built from this model's records covers it. */
  get lastSeq(): number {
    return this.feed.lastSeq;
  }

  /** Newest first, bounded by the `stepflow.view.runsShown` setting. */
  list(): LiveRun[] {
    return [...this.feed.runs.values()]
      .sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt) || b.record.id.localeCompare(a.record.id))
      .slice(0, this.limit());
  }

  get(runId: string): LiveRun | undefined {
    return this.feed.runs.get(runId);
  }

  dispose(): void {
    this.scheduleChange.dispose();
    for (const d of this.disposables) d.dispose();
  }

  /** Expected durations (for the ETA) of running runs that did not start in this window: one request per run, once. */
  private async loadExpectations(runIds: string[]): Promise<void> {
    const missing = runIds.filter((id) => this.feed.runs.get(id)?.expectations === undefined && !this.expecting.has(id));
    if (missing.length === 0) return;
    for (const id of missing) this.expecting.add(id);
    await Promise.all(
      missing.map(async (runId) => {
        // An older sidecar without the request: no ETA, nothing worse.
        const expectations = await this.client.sendRequest(RunExpectationsRequest, { runId }).then((e) => e, () => null);
        this.expecting.delete(runId);
        const run = this.feed.runs.get(runId);
        if (run) run.expectations = expectations;
      }),
    );
    this.scheduleChange();
  }

  private readonly expecting = new Set<string>();

  private prune(): void {
    const keep = new Set(this.list().map((r) => r.record.id));
    for (const [id, run] of this.feed.runs) if (!keep.has(id) && run.record.status !== 'running') this.feed.runs.delete(id);
  }

  private readonly scheduleChange = throttle(() => this.changed.fire(), this.batchMs);
}
