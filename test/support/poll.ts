// Polling, only for the conditions no event announces (processes appearing or gone, files
// written by another process, a timer of the product): checks every few milliseconds and
// returns as soon as the condition holds — never a fixed sleep — and fails naming what it
// waited for after a generous limit, which is no timing assertion.

export interface PollOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** Between checks (default 10 ms). */
  everyMs?: number;
  /** Fail at once when this names a reason (e.g. the process ended before the condition held). */
  failIf?: () => string | undefined;
}

/** Resolves once `cond` holds; rejects with `timed out waiting for <what>` after `timeoutMs`. */
export async function pollUntil(cond: () => boolean, what: string, options: PollOptions = {}): Promise<void> {
  const { timeoutMs = 15_000, everyMs = 10, failIf } = options;
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    const reason = failIf?.();
    if (reason !== undefined) throw new Error(`${reason} before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
