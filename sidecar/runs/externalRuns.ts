// Notices runs written to the shared database by other processes (a `stepflow run` in a
// terminal, another VS Code window). SQLite's `PRAGMA data_version` changes exactly when
// another connection committed, so polling it is cheap; only then do we look at the runs.
import type { Store } from '../store/store';

export class ExternalRunWatcher {
  private lastVersion = -1;
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly isOwn: (runId: string) => boolean,
    private readonly onChanged: (runIds: string[]) => void,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll; public so tests can drive it without waiting for the timer. */
  check(): void {
    const version = this.store.dataVersion();
    if (version === this.lastVersion) return;
    const first = this.lastVersion === -1;
    this.lastVersion = version;
    const changed: string[] = [];
    for (const run of this.store.listRuns({ limit: 25 })) {
      if (this.isOwn(run.id)) continue;
      const signature = `${run.status}|${run.endedAt}|${run.stepCount}|${run.lineCount}`;
      // A running run changes without its summary changing (step finished, output), so it
      // is reported on every change of the database.
      if (this.seen.get(run.id) !== signature || run.status === 'running') changed.push(run.id);
      this.seen.set(run.id, signature);
    }
    if (!first && changed.length > 0) this.onChanged(changed);
  }
}
