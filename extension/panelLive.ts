// The live side of the history panel: what extension/historyPanel.ts posts to its webview,
// by the protocol of sidecar/protocol/live.ts that `stepflow serve` speaks on its WebSocket
// (sidecar/server/liveHub.ts). Every live/subscribe is answered by one live/subscribed
// {runId, seq, runs}: the target's records as the RunsModel holds them at the moment the
// subscription takes effect, and the seq of the last live/events posted before it. Without
// it a snapshot the model fired while the subscription was on its way (a `stepflow run` in a
// terminal finishing) reached nobody: the webview had read its list just before, the panel
// dropped the snapshot because nobody had subscribed yet.
// No vscode import: the unit suite drives it with a fake model (test/unit/panelLive.test.ts).
import type { RunEvent } from '../sidecar/protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed, LiveUnsubscribe, RECENT_RUNS_IN_ACK, Subscriptions } from '../sidecar/protocol/live';
import type { RunRecord } from '../sidecar/protocol/model';

/** Where the records come from: the window's RunsModel, else the sidecar's store. */
export interface PanelRunSource {
  /** The newest runs as the model holds them now, newest first. */
  recent(): RunRecord[];
  /** A run as the model holds it now (its events applied synchronously), if it holds it. */
  known(runId: string): RunRecord | undefined;
  /** A stored run the model does not hold (a finished one, older than the tree's runs). */
  fetch(runId: string): Promise<RunRecord | null>;
}

export class PanelLiveFeed {
  private readonly subs = new Subscriptions();
  private pending: RunEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  constructor(
    private readonly source: PanelRunSource,
    private readonly post: (message: unknown) => void,
    private readonly batchMs = 50,
  ) {}

  /** Handles live/subscribe and live/unsubscribe from the webview; false for anything else. */
  receive(message: unknown): boolean {
    if (LiveUnsubscribe.is(message)) {
      this.subs.apply(false, message.params);
      return true;
    }
    if (!LiveSubscribe.is(message)) return false;
    const runId = message.params.runId;
    this.subs.apply(true, message.params);
    if (runId === null) {
      this.acknowledge(null, this.source.recent().slice(0, RECENT_RUNS_IN_ACK));
      return true;
    }
    const known = this.source.known(runId);
    if (known) {
      this.acknowledge(runId, [known]);
      return true;
    }
    // Not in the model: a stored run, which only changes through the model's snapshots of
    // it. A snapshot the model fires meanwhile was requested before this fetch, so the
    // fetch's answer is at least as new and the ack that follows it does not go back in time.
    void this.source.fetch(runId).then(
      (record) => this.acknowledge(runId, record ? [record] : []),
      () => this.acknowledge(runId, []),
    );
    return true;
  }

  /** A live event from the model: batched, and only for the targets the webview follows. */
  event(event: RunEvent): void {
    if (!this.subs.wants(event)) return;
    this.pending.push(event);
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  /** Stored records that replaced runs in the model (runs of other processes, resyncs). */
  snapshot(records: RunRecord[]): void {
    const runs = records.filter((r) => this.subs.all || this.subs.runs.has(r.id));
    if (runs.length === 0) return;
    this.flush();
    this.post(LiveSnapshot.create({ runs }));
  }

  /** The sidecar (re)started: a new sequence begins, and the webview reloads what it shows. */
  hello(): void {
    this.flush();
    this.seq = 0;
    this.post(LiveHello.create({ server: 'stepflow', version: 'vscode' }));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private acknowledge(runId: string | null, runs: RunRecord[]): void {
    // Events queued before this moment are in `runs` already: they leave first, so the ack's
    // seq covers them and its records replace whatever the webview applied them to.
    this.flush();
    this.post(LiveSubscribed.create({ runId, seq: this.seq, runs }));
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.post(LiveEvents.create({ seq: ++this.seq, events }));
  }
}
