// Trailing throttle: calls fn at most once per `ms`, and always once after the last trigger, so a burst of events
// becomes one call now-or-soon instead of one call per event. The Usage page uses it for usage events, which
// arrive with every committed batch of the ledger (issue #9 finding 2: one report per event stalled traffic).
export interface Throttled {
  (): void;
  cancel(): void;
}

export function throttle(fn: () => void, ms: number, now: () => number = Date.now): Throttled {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    last = now();
    fn();
  };
  const t = (() => {
    if (timer !== undefined) return;
    timer = setTimeout(run, Math.max(0, last + ms - now()));
  }) as Throttled;
  t.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return t;
}
