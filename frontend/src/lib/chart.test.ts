import { describe, expect, it } from 'vitest';
import { bucketLine, dayMs, fillBuckets, geometry, hourMs, niceMax, type Box } from './chart';

const box: Box = { width: 440, height: 240, padLeft: 40, padRight: 0, padTop: 20, padBottom: 20 };
const fmt = { tokens: (n: number) => String(n), cost: (n: number) => n.toFixed(2), time: (t: number) => String(t) };

describe('niceMax', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [1, 1],
    [7, 10],
    [1.5, 2],
    [230, 250],
    [0.037, 0.05],
    [Infinity, 1],
  ])('niceMax(%d) = %d', (v, want) => expect(niceMax(v)).toBeCloseTo(want, 10));
});

describe('geometry', () => {
  it('places bars by time order, scaled to the nice maximum', () => {
    const g = geometry(
      [
        { t: 2, tokens: 100, cost: 0.5 },
        { t: 1, tokens: 50, cost: 0 },
      ],
      box,
      fmt,
    );
    expect(g.maxTokens).toBe(100);
    expect(g.bars.map((b) => b.point.t)).toEqual([1, 2]);
    // inner height 200: 50 tokens is half of it, 100 the whole.
    expect(g.bars[0].h).toBe(100);
    expect(g.bars[1].h).toBe(200);
    expect(g.bars[1].y).toBe(20);
    // two slots of 200px: centres at 140 and 340, bars 70% wide.
    expect(g.bars[0].w).toBe(48); // capped: 70% of the 200px slot would be a wall
    expect(g.bars[0].x).toBe(140 - 24);
    expect(g.costPath).toBe('M140 220 L340 20');
    expect(g.tokenTicks.map((t) => t.label)).toEqual(['0', '25', '50', '75', '100']);
    expect(g.tokenTicks[0].pos).toBe(220);
    expect(g.timeTicks.map((t) => t.label)).toEqual(['1', '2']);
  });

  it('draws no cost line when nothing cost anything, and copes with no data', () => {
    expect(geometry([{ t: 1, tokens: 10, cost: 0 }], box, fmt).costPath).toBe('');
    const empty = geometry([], box, fmt);
    expect(empty.bars).toEqual([]);
    expect(empty.timeTicks).toEqual([]);
    expect(empty.maxTokens).toBe(1);
  });

  it('keeps at most about six time labels', () => {
    const pts = Array.from({ length: 48 }, (_, i) => ({ t: i, tokens: i, cost: 0 }));
    expect(geometry(pts, box, fmt).timeTicks.length).toBeLessThanOrEqual(6);
  });
});

describe('fillBuckets', () => {
  const t0 = Date.UTC(2026, 0, 1, 10); // 10:00 UTC

  it('spans the period hour by hour, keeping the real buckets', () => {
    const pts = fillBuckets([{ t: t0 + hourMs, tokens: 5, cost: 1 }], t0 + 20 * 60_000, t0 + 3 * hourMs + 5, hourMs);
    expect(pts.map((p) => (p.t - t0) / hourMs)).toEqual([0, 1, 2, 3]);
    expect(pts.map((p) => p.tokens)).toEqual([0, 5, 0, 0]);
  });

  it('empty buckets count zero requests and attempts when the real ones count them', () => {
    const pts = fillBuckets([{ t: t0, tokens: 5, cost: 1, requests: 2, attempts: 3, errors: 1 }], t0, t0 + hourMs, hourMs);
    expect(pts[1]).toEqual({ t: t0 + hourMs, tokens: 0, cost: 0, requests: 0, attempts: 0, errors: 0 });
    expect(fillBuckets([], t0, t0, hourMs)).toEqual([{ t: t0, tokens: 0, cost: 0 }]);
  });

  it('days start at UTC midnight', () => {
    const pts = fillBuckets([], Date.UTC(2026, 0, 1, 13), Date.UTC(2026, 0, 3, 1), dayMs);
    expect(pts.map((p) => new Date(p.t).toISOString())).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
  });

  it('keeps off-grid points and refuses absurd spans', () => {
    const odd = { t: t0 + 1234, tokens: 1, cost: 0 };
    expect(fillBuckets([odd], t0, t0 + hourMs, hourMs)).toContainEqual(odd);
    expect(fillBuckets([odd], 0, t0, 1)).toEqual([odd]);
  });
});

describe('bucketLine', () => {
  const f = { tokens: (n: number) => `${n}`, cost: (n: number) => `$${n.toFixed(2)}`, time: () => '14:00', count: (n: number) => `${n}` };
  it('labels requests and attempts apart, with failed attempts', () => {
    expect(bucketLine({ t: 0, tokens: 1200, cost: 0.5, requests: 3, attempts: 4, errors: 1 }, f)).toBe(
      '14:00 · 3 requests · 4 attempts, 1 failed · 1200 tokens · $0.50',
    );
  });
  it('says one in the singular and leaves out what the server did not send', () => {
    expect(bucketLine({ t: 0, tokens: 0, cost: 0, requests: 1, attempts: 1 }, f)).toBe('14:00 · 1 request · 1 attempt · 0 tokens · $0.00');
    expect(bucketLine({ t: 0, tokens: 5, cost: 0 }, f)).toBe('14:00 · 5 tokens · $0.00');
  });
});
