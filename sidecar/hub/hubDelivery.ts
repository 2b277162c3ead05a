// Shipping for the long-lived processes — the language server and `stepflow serve`
// (docs/architecture.md, "Team hub"): after each finished run, one delivery pass over the
// outbox, never two at once; after a failure one more pass once the backoff is over, on an
// unref'd timer (it never keeps the process alive). One warning per outage, not per run.
// The CLI ships itself within a bound before it exits (cli/runCommand.ts).
import type { Store } from '../store/store';
import { oneLine } from '../util/errors';
import { resolveHubTarget, type HubTargetSources } from './hubTarget';
import { backoffMs, shipOutbox } from './shipper';

export class HubDelivery {
  private running = false;
  private again: HubTargetSources | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private warned = false;

  constructor(private readonly store: () => Store) {}

  /** A run ended: send the outbox to the hub these sources name, if any. */
  shipSoon(sources: HubTargetSources): void {
    if (this.running) {
      this.again = sources;
      return;
    }
    const target = resolveHubTarget(sources);
    if (target === undefined) return;
    if ('problem' in target) return this.warnOnce(target.problem);
    this.running = true;
    void shipOutbox(this.store(), target)
      .then((result) => {
        if (!result.error) {
          this.failures = 0;
          this.warned = false;
          return;
        }
        this.warnOnce(`${result.error}; ${result.pending} finished runs wait in the outbox`);
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.shipSoon(sources), backoffMs(this.failures++) + 50);
        this.retry.unref();
      })
      .catch((err: unknown) => this.warnOnce(`hub delivery: ${oneLine(err)}`)) // the store closed under it (shutdown)
      .finally(() => {
        this.running = false;
        const next = this.again;
        this.again = undefined;
        if (next) this.shipSoon(next);
      });
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    process.emitWarning(message, 'StepFlowHubWarning');
  }
}
