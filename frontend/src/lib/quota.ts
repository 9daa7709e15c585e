// Subscription quota as the Quota page, Overview, the tray and `ninerouter quota` say it (backend/quota/format.go
// holds the same words in Go): countdowns "45m", "1h 12m", "4d 3h"; remaining percent; one word per state.

export type QuotaState = 'ok' | 'low' | 'not_started' | 'unlimited' | 'unknown' | 'exhausted' | 'needs_sign_in' | 'disabled';

export interface QuotaWindow {
  id: string;
  label: string;
  seconds?: number;
  usedPercent?: number;
  resetsAt?: string;
  state: QuotaState;
  used?: number;
  limit?: number;
}

export interface AccountQuota {
  accountId: number;
  provider: string;
  providerName: string;
  name: string;
  plan?: string;
  state: QuotaState;
  windows: QuotaWindow[];
  updatedAt?: string;
  stale: boolean;
  source?: string;
  error?: string;
  nextReset?: string;
  lowest?: QuotaWindow;
  reservePercent?: number;
  supported: boolean;
  blockedUntil?: string;
  blockedWhy?: string;
}

export interface QuotaView {
  accounts: AccountQuota[];
  lowPercent: number;
  trayMetric: string;
  now: string;
}

/** A reset countdown: "45m", "1h 12m", "4d 3h"; "now" once passed. Whole minutes, rounded up (like the tray). */
export function quotaCountdown(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const ms = t - now;
  if (ms <= 0) return 'now';
  const m = Math.ceil(ms / 60000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const mm = m % 60;
  if (d > 0) return h === 0 ? `${d}d` : `${d}d ${h}h`;
  if (h > 0) return mm === 0 ? `${h}h` : `${h}h ${mm}m`;
  return `${mm}m`;
}

/** Remaining percent (0–100), or null when unknown. */
export function left(w: QuotaWindow): number | null {
  if (w.usedPercent == null) return null;
  return Math.max(0, 100 - w.usedPercent);
}

/** The account's state in the words every view uses. */
export function quotaStateWords(s: QuotaState): string {
  switch (s) {
    case 'ok':
      return 'ok';
    case 'low':
      return 'quota low';
    case 'exhausted':
      return 'spent';
    case 'needs_sign_in':
      return 'needs sign-in';
    case 'disabled':
      return 'disabled';
    case 'not_started':
      return 'not started';
    case 'unlimited':
      return 'unlimited';
  }
  return 'unknown';
}

/** The badge class of a state. */
export function quotaStateClass(s: QuotaState): string {
  if (s === 'ok') return 'ok';
  if (s === 'low' || s === 'unknown') return 'warn';
  if (s === 'exhausted' || s === 'needs_sign_in') return 'bad';
  return '';
}

/** Bar colour by remaining percent: green above 70, amber from 30, red below (9Router's bands). */
export function barClass(w: QuotaWindow): string {
  const l = left(w);
  if (w.state === 'exhausted' || (l != null && l < 30)) return 'bad';
  if (l != null && l <= 70) return 'warn';
  return 'ok';
}

/** What a window says beside its bar: "63% left", "not started", "unlimited", "spent", "unknown". */
export function windowWords(w: QuotaWindow): string {
  switch (w.state) {
    case 'unlimited':
      return 'unlimited';
    case 'not_started':
      return 'not started: the timer starts with the first request';
    case 'unknown':
      return 'unknown';
    case 'exhausted':
      return 'spent';
  }
  const l = left(w);
  return l == null ? 'unknown' : `${Math.floor(l)}% left`;
}

/** The account with the least left in any window (Overview shows it), skipping accounts without numbers. */
export function lowestAccount(v: QuotaView | undefined): AccountQuota | null {
  let best: AccountQuota | null = null;
  for (const a of v?.accounts ?? []) {
    if (a.state === 'needs_sign_in' || a.state === 'disabled') continue;
    const l = a.lowest ? left(a.lowest) : null;
    if (l == null) continue;
    const bl = best?.lowest ? left(best.lowest) : null;
    if (best == null || bl == null || l < bl) best = a;
  }
  return best;
}
