// The log viewer's lines: read from the data source in pages of 500 on demand, at most 400
// pages kept (the farthest from the view dropped first), and live output written straight
// into its page, so following a running run reads nothing. One instance per run.
import type { OutputEvent } from '../../sidecar/protocol/events';
import { MAX_LOG_LINES } from '../../sidecar/protocol/history';
import type { LogLine } from '../../sidecar/protocol/history';

const PAGE = 500;
const MAX_PAGES = 400;
/** A page read this recently that still misses lines is not read again yet: the store commits live output within ~50 ms. */
const REREAD_AFTER_MS = 300;
const RETRY_MS = 350;

interface Page {
  lines: Array<LogLine | undefined>;
  loading: boolean;
  fetchedAt: number;
}

export type ReadLog = (fromLine: number, maxLines: number) => Promise<LogLine[]>;

export class LogPages {
  private readonly pages = new Map<number, Page>();
  private retry: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  /** `changed` is called when lines arrived (or a short page is worth reading again). */
  constructor(
    private readonly read: ReadLog,
    private readonly changed: () => void,
  ) {}

  /** Stops calling `changed`: the viewer moved to another run. */
  dispose(): void {
    this.disposed = true;
    this.cancelRetry();
  }

  /** Forgets the pending look at short pages (the viewer left the page; the next render looks again). */
  cancelRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
  }

  lineAt(n: number): LogLine | undefined {
    return this.pages.get(pageOf(n))?.lines[(n - 1) % PAGE];
  }

  /** Reads the pages of lines `from`..`to` (of `lineCount`) that miss lines, and drops far ones. */
  ensure(from: number, to: number, lineCount: number): void {
    const last = Math.min(to, lineCount);
    let waiting = false;
    for (let p = pageOf(from); p <= pageOf(last); p++) {
      const page = this.pages.get(p);
      const start = p * PAGE + 1;
      const end = Math.min(start + PAGE - 1, lineCount);
      const missing = !page || page.lines.length < end - start + 1 || page.lines.slice(0, end - start + 1).includes(undefined);
      if (!missing) continue;
      if (page?.loading) continue;
      if (page && Date.now() - page.fetchedAt < REREAD_AFTER_MS) {
        waiting = true; // look again shortly
        continue;
      }
      void this.fetch(p);
    }
    if (waiting && !this.retry) this.retry = setTimeout(() => ((this.retry = undefined), this.changed()), RETRY_MS);
    this.trim(pageOf(from));
  }

  /** A finished run's last page may still miss lines that were not committed when read: read it again when shown. */
  refetchTail(lineCount: number): void {
    const page = this.pages.get(pageOf(Math.max(1, lineCount)));
    if (page) page.fetchedAt = 0;
  }

  /** Live output of the run, line by line into its pages. */
  append(event: OutputEvent): void {
    const texts = event.text.split('\n');
    if (texts.at(-1) === '') texts.pop();
    texts.forEach((text, k) => {
      const n = event.firstLine + k;
      const p = pageOf(n);
      let page = this.pages.get(p);
      if (!page) this.pages.set(p, (page = { lines: [], loading: false, fetchedAt: 0 }));
      page.lines[(n - 1) % PAGE] = { line: n, stream: event.stream, at: event.at, text: text.endsWith('\r') ? text.slice(0, -1) : text };
    });
  }

  /** The lines `from`..`to`, from the pages where they are and read where not; fewer when the log ends first. */
  async linesBetween(from: number, to: number): Promise<LogLine[]> {
    const out: LogLine[] = [];
    for (let at = from; at <= to; ) {
      const cached = this.lineAt(at);
      if (cached) {
        out.push(cached);
        at += 1;
        continue;
      }
      const lines = await this.read(at, Math.min(MAX_LOG_LINES, to - at + 1));
      if (lines.length === 0) break;
      out.push(...lines);
      at = lines.at(-1)!.line + 1;
    }
    return out;
  }

  private async fetch(p: number): Promise<void> {
    const page = this.pages.get(p) ?? { lines: [], loading: false, fetchedAt: 0 };
    this.pages.set(p, page);
    page.loading = true;
    try {
      const lines = await this.read(p * PAGE + 1, PAGE);
      if (this.disposed) return;
      for (const l of lines) page.lines[l.line - 1 - p * PAGE] ??= l;
    } catch {
      // shown as "…" and tried again on the next scroll
    } finally {
      page.loading = false;
      page.fetchedAt = Date.now();
      if (!this.disposed) this.changed();
    }
  }

  private trim(center: number): void {
    if (this.pages.size <= MAX_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const p of far.slice(0, this.pages.size - MAX_PAGES)) this.pages.delete(p);
  }
}

function pageOf(line: number): number {
  return Math.floor((line - 1) / PAGE);
}
