// Operation counts and timings for /api/health/metrics: per route, plus WebSocket traffic.
// Timings keep a bounded reservoir per operation so p50/p99 stay cheap to compute.

export interface OperationFigures {
  count: number;
  errors: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const RESERVOIR = 512;

class Operation {
  count = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;
  private readonly samples: number[] = [];
  private next = 0;

  record(ms: number, failed: boolean): void {
    this.count += 1;
    if (failed) this.errors += 1;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.samples.length < RESERVOIR) this.samples.push(ms);
    else this.samples[this.next++ % RESERVOIR] = ms; // the most recent RESERVOIR samples
  }

  figures(): OperationFigures {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      count: this.count,
      errors: this.errors,
      totalMs: round(this.totalMs),
      meanMs: round(this.count ? this.totalMs / this.count : 0),
      p50Ms: round(at(0.5)),
      p99Ms: round(at(0.99)),
      maxMs: round(this.maxMs),
    };
  }
}

export class OperationMetrics {
  private readonly ops = new Map<string, Operation>();

  record(name: string, ms: number, failed = false): void {
    let op = this.ops.get(name);
    if (!op) this.ops.set(name, (op = new Operation()));
    op.record(ms, failed);
  }

  /** Times `fn` (sync or async) under `name`. */
  async time<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    let failed = false;
    try {
      return await fn();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      this.record(name, performance.now() - t0, failed);
    }
  }

  snapshot(): Record<string, OperationFigures> {
    const out: Record<string, OperationFigures> = {};
    for (const [name, op] of [...this.ops].sort(([a], [b]) => a.localeCompare(b))) out[name] = op.figures();
    return out;
  }
}
