// Calls `fn` at most once per `ms`: at once when the last call is older than that, else
// once at the end of the window. Unlike a debounce it never starves under a steady stream
// of triggers (a chatty script must not freeze the views).
export interface Throttled {
  (): void;
  dispose(): void;
}

export function throttle(fn: () => void, ms: number): Throttled {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  const throttled = (() => {
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  }) as Throttled;
  throttled.dispose = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return throttled;
}
