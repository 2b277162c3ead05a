// The live side of the history panel: the sidecar's one live feed (sidecar/protocol/live.ts,
// the same messages `stepflow serve` sends on its WebSocket), forwarded to the panel's
// webview as the RunsModel received it — same `seq`, same events; no timer or sequence of
// its own. What it adds is the webview's own subscriptions:
// - each live/events message is posted with the events the webview follows (all runs
//   without output lines, and the runs it subscribed to with theirs); the message is
//   posted even when none is left, so the webview's sequence has no holes;
// - live/snapshot records are posted for the runs followed; the model's own acks (a
//   resync) reach the webview as snapshots; live/hello (a new sidecar) is passed on;
// - every live/subscribe of the webview is answered by one live/subscribed {runId, seq,
//   runs}: the target's records as the RunsModel holds them at that moment — it applied
//   every message forwarded so far — and the seq of the last live/events it applied.
//   Without it a snapshot the model got while the subscription was on its way (a `stepflow
//   run` in a terminal finishing) reached nobody.
// No vscode import: the unit suite drives it with a fake model (test/unit/panelLive.test.ts).
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
  /** The seq of the last live/events message the model applied (and this feed forwarded). */
  lastSeq(): number;
}

export class PanelLiveFeed {
  private readonly subs = new Subscriptions();

  constructor(
    private readonly source: PanelRunSource,
    private readonly post: (message: unknown) => void,
  ) {}

  /** Handles live/subscribe and live/unsubscribe from the webview; false for anything else. */
  receive(message: unknown): boolean {
    if (LiveUnsubscribe.is(message)) {
      this.subs.apply(false, message.params);
      return true;
    }
    if (!LiveSubscribe.is(message)) return false;
    const runId = message.params.runId;
    // The webview's own choice of output: never every run's.
    this.subs.apply(true, { runId });
    if (runId === null) {
      this.acknowledge(null, this.source.recent().slice(0, RECENT_RUNS_IN_ACK));
      return true;
    }
    const known = this.source.known(runId);
    if (known) {
      this.acknowledge(runId, [known]);
      return true;
    }
    // Not in the model: a stored run, which only changes through snapshots of it. A snapshot
    // forwarded meanwhile left the sidecar before the answer to this fetch (one ordered
    // connection), so the answer is at least as new and the ack does not go back in time.
    void this.source.fetch(runId).then(
      (record) => this.acknowledge(runId, record ? [record] : []),
      () => this.acknowledge(runId, []),
    );
    return true;
  }

  /** One message of the sidecar's feed, after the model applied it. */
  forward(message: unknown): void {
    if (LiveEvents.is(message)) {
      if (this.subs.empty) return; // not following: its first ack sets the sequence
      const { seq, events } = message.params;
      this.post(LiveEvents.create({ seq, events: events.filter((e) => this.subs.wants(e)) }));
    } else if (LiveSnapshot.is(message) || LiveSubscribed.is(message)) {
      // The model's own ack (it resubscribed) replaced its records: to the webview a snapshot.
      if (LiveSubscribed.is(message) && message.params.runId !== null) return;
      const runs = message.params.runs.filter((r) => this.subs.all || this.subs.runs.has(r.id));
      if (runs.length) this.post(LiveSnapshot.create({ runs }));
    } else if (LiveHello.is(message)) {
      // A (re)started sidecar: a new sequence begins, and the webview reloads what it shows.
      this.post(message);
    }
  }

  private acknowledge(runId: string | null, runs: RunRecord[]): void {
    this.post(LiveSubscribed.create({ runId, seq: this.source.lastSeq(), runs }));
  }
}
