// Geometry for the Usage chart: tokens as bars, cost as a line, over time buckets. Hand-rolled SVG keeps the
// bundle small (a charting library would outweigh the whole app); this file is pure so it is unit-tested.

export interface Point {
  t: number; // bucket start, ms since epoch
  tokens: number;
  cost: number;
  /** Client requests and upstream attempts (failed ones in errors) in the bucket (docs/ui.md: words). */
  requests?: number;
  attempts?: number;
  errors?: number;
}

/**
 * One bucket in words, as the chart reads it out (keyboard, hover, screen readers): its time, then requests and
 * attempts labelled (a bucket with a fallback has more attempts than requests), tokens and cost.
 */
export function bucketLine(
  p: Point,
  fmt: { tokens: (n: number) => string; cost: (n: number) => string; time: (t: number) => string; count: (n: number) => string },
): string {
  const parts = [fmt.time(p.t)];
  const plural = (n: number, one: string) => `${fmt.count(n)} ${one}${n === 1 ? '' : 's'}`;
  if (p.requests != null) parts.push(plural(p.requests, 'request'));
  if (p.attempts != null) parts.push(plural(p.attempts, 'attempt') + (p.errors ? `, ${fmt.count(p.errors)} failed` : ''));
  parts.push(`${fmt.tokens(p.tokens)} tokens`, fmt.cost(p.cost));
  return parts.join(' · ');
}

export interface Box {
  width: number;
  height: number;
  padLeft: number;
  padRight: number;
  padTop: number;
  padBottom: number;
}

export interface Bar {
  x: number;
  y: number;
  w: number;
  h: number;
  point: Point;
}

export interface Tick {
  pos: number;
  label: string;
}

export interface Geometry {
  bars: Bar[];
  costPath: string; // SVG path "M x y L x y ..."; empty when there is no cost
  tokenTicks: Tick[]; // along the left axis (pos = y)
  costTicks: Tick[]; // along the right axis (pos = y)
  timeTicks: Tick[]; // along the bottom (pos = x)
  maxTokens: number;
  maxCost: number;
}

/** Rounds v up to 1, 2, 2.5 or 5 times a power of ten, so axis ticks are readable. */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= v - 1e-12 * p) return m * p;
  }
  return 10 * p;
}

export function geometry(
  points: readonly Point[],
  box: Box,
  fmt: { tokens: (n: number) => string; cost: (n: number) => string; time: (t: number) => string },
  ticks = 4,
): Geometry {
  const innerW = Math.max(1, box.width - box.padLeft - box.padRight);
  const innerH = Math.max(1, box.height - box.padTop - box.padBottom);
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const maxTokens = niceMax(Math.max(0, ...sorted.map((p) => p.tokens)));
  const maxCost = niceMax(Math.max(0, ...sorted.map((p) => p.cost)));
  const n = sorted.length;
  const slot = n > 0 ? innerW / n : innerW;
  const barW = Math.max(1, Math.min(slot * 0.7, 48)); // a lone bar stays a bar, not a wall
  const bottom = box.padTop + innerH;
  const yTok = (v: number) => bottom - (v / maxTokens) * innerH;
  const yCost = (v: number) => bottom - (v / maxCost) * innerH;
  const cx = (i: number) => box.padLeft + slot * i + slot / 2;

  const bars: Bar[] = sorted.map((p, i) => {
    const y = yTok(Math.max(0, p.tokens));
    return { x: round(cx(i) - barW / 2), y: round(y), w: round(barW), h: round(bottom - y), point: p };
  });
  const hasCost = sorted.some((p) => p.cost > 0);
  const costPath = hasCost
    ? sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(cx(i))} ${round(yCost(Math.max(0, p.cost)))}`).join(' ')
    : '';
  const tokenTicks: Tick[] = [];
  const costTicks: Tick[] = [];
  for (let i = 0; i <= ticks; i++) {
    const f = i / ticks;
    tokenTicks.push({ pos: round(yTok(maxTokens * f)), label: fmt.tokens(maxTokens * f) });
    costTicks.push({ pos: round(yCost(maxCost * f)), label: fmt.cost(maxCost * f) });
  }
  // At most ~6 time labels, evenly picked from the buckets.
  const timeTicks: Tick[] = [];
  if (n > 0) {
    const step = Math.max(1, Math.ceil(n / 6));
    for (let i = 0; i < n; i += step) timeTicks.push({ pos: round(cx(i)), label: fmt.time(sorted[i].t) });
  }
  return { bars, costPath, tokenTicks, costTicks, timeTicks, maxTokens, maxCost };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

export const hourMs = 3_600_000;
export const dayMs = 86_400_000;

/**
 * Adds empty buckets so the chart spans the whole period, gaps included. Buckets start on UTC hours or UTC
 * midnights, as the server aggregates them (backend/usage Aggregate).
 */
export function fillBuckets(points: readonly Point[], since: number, until: number, step: number): Point[] {
  if (!(step > 0) || !(until >= since) || (until - since) / step > 2000) return [...points];
  const byT = new Map(points.map((p) => [p.t, p]));
  // An empty bucket counts zero of what the real ones count (an older server sends no requests/attempts).
  const zero: Omit<Point, 't'> = { tokens: 0, cost: 0 };
  for (const k of ['requests', 'attempts', 'errors'] as const) if (points.some((p) => p[k] != null)) zero[k] = 0;
  const out: Point[] = [];
  for (let t = Math.floor(since / step) * step; t <= until; t += step) {
    out.push(byT.get(t) ?? { t, ...zero });
    byT.delete(t);
  }
  // Anything the server put off the grid is kept rather than dropped.
  return [...out, ...byT.values()].sort((a, b) => a.t - b.t);
}
