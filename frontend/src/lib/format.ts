// Formatting for numbers, durations and money as the pages show them.

/** 93784 s -> "1d 2h 3m"; under a minute shows seconds. */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** 1234567 -> "1.2M"; small numbers stay exact. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) {
    if (a >= v) {
      const x = n / v;
      return (Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(1).replace(/\.0$/, '')) + u;
    }
  }
  return String(n);
}

/** Exact count with thousands separators. */
export function count(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** USD with enough precision for small per-request costs. */
export function usd(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  if (n === 0) return '$0.00';
  const a = Math.abs(n);
  const digits = a >= 1 ? 2 : a >= 0.01 ? 3 : 4;
  return (n < 0 ? '-$' : '$') + a.toFixed(digits);
}

/** Seconds until an ISO time (negative when past); null for no time. */
export function secondsUntil(iso: string | null | undefined, now: number = Date.now()): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return Math.round((t - now) / 1000);
}

/** A past time as "3m ago" / a future one as "in 3m". */
export function relative(iso: string | null | undefined, now: number = Date.now()): string {
  const s = secondsUntil(iso, now);
  if (s == null) return '–';
  if (Math.abs(s) < 1) return 'now';
  return s > 0 ? `in ${duration(s)}` : `${duration(-s)} ago`;
}

/** Local date-time, short. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/**
 * A latency in milliseconds. The ledger keeps whole milliseconds, so a finished attempt at 0 took under one:
 * it shows as "<1 ms", never as "–" or "0 ms". null/undefined (not measured) is "–".
 */
export function ms(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n) || n < 0) return '–';
  if (n < 1) return '<1 ms';
  if (n < 10000) return `${Math.round(n).toLocaleString('en-US')} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

/** A countdown to an ISO time: "4m 10s"; "now" once passed. */
export function countdown(iso: string | null | undefined, now: number = Date.now()): string {
  const s = secondsUntil(iso, now);
  if (s == null) return '–';
  return s <= 0 ? 'now' : duration(s);
}

// An attempt's outcome as every page shows it: one word and one badge class per outcome (Logs, Overview's feed).
const outcomeClasses: Record<string, string> = { ok: 'ok', error: 'bad', interrupted: 'warn', canceled: 'warn', in_flight: 'accent' };
export const outcomeClass = (o: string): string => outcomeClasses[o] ?? '';
export const outcomeWord = (o: string): string => (o === 'in_flight' ? 'running' : o);
