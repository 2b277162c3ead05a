// Fills in the search summaries of finished runs' logs (store/logIndex.ts) in the processes
// that live long enough — the language server and `stepflow serve` — a slice at a time on
// their event loop. While any run in the database is running, a slice is followed by a pause
// of nineteen times its length (≤ 5 % of one core: at 10 % a 2 M-line `stepflow run` took
// 1.12× as long on a loaded 2-core machine, docs/performance.md), so ingest keeps the
// machine; when nothing runs, by a pause as long as the slice (half a core: a `stepflow run`
// starting in a terminal is not a run yet while its Node boots, and must not find both cores
// taken). A slice is ~3 ms of work per MiB, so the event loop still answers requests in
// between.
import type { Store } from '../store/store';

export interface LogIndexingOptions {
  /** Bytes of log read and summarised per slice. */
  sliceBytes?: number;
  /** How often to look for work when there was none (ms). */
  idlePollMs?: number;
  /** Pause after a slice, as a multiple of the slice's duration, while a run is running. */
  busyPauseFactor?: number;
  /** The same while no run is running. */
  idlePauseFactor?: number;
  /** A slice failed (the database is locked, the disk full): it is tried again later. */
  onError?: (err: unknown) => void;
}

const DEFAULTS = { sliceBytes: 1 << 20, idlePollMs: 2000, busyPauseFactor: 19, idlePauseFactor: 1 } as const;

export class BackgroundLogIndexer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly options: Required<Omit<LogIndexingOptions, 'onError'>> & Pick<LogIndexingOptions, 'onError'>;

  constructor(
    private readonly store: Store,
    options: LogIndexingOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  start(): void {
    if (this.store.readOnly || !this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Looks for work now instead of at the next poll (a run of this process just finished). */
  poke(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.slice(), ms);
    this.timer.unref();
  }

  private slice(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const started = performance.now();
    let more = false;
    try {
      more = this.store.indexLogs(this.options.sliceBytes).more;
    } catch (err) {
      this.options.onError?.(err);
    }
    if (this.stopped) return;
    if (!more) return this.schedule(this.options.idlePollMs);
    const factor = this.store.runningRunIds().length > 0 ? this.options.busyPauseFactor : this.options.idlePauseFactor;
    this.schedule(Math.max(1, Math.ceil((performance.now() - started) * factor)));
  }
}
