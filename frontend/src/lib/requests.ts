// One definition of a request and an attempt, used on every page, the tray and the CLI:
//   a request is one call a client (a coding tool, the test button) made to NineRouter;
//   an attempt is one try of that request at an upstream account. A request that fell back has several.
// Usage rows (GET /api/usage/records) are attempts; they share a RequestID and count up in Attempt.

import type { UsageRecord } from './types';

export interface ClientRequest {
  id: string;
  /** When the first attempt began. */
  time: string;
  /** The model string the client asked for. */
  requested: string;
  combo: string;
  keyId: number;
  endpoint: string;
  /** Attempts in the order they ran; the last one decided the outcome. */
  attempts: UsageRecord[];
  /** The final attempt's outcome: ok, error, interrupted or in_flight. */
  outcome: string;
  status: number;
  error: string;
  provider: string;
  model: string;
  accountId: number;
  input: number;
  output: number;
  cacheRead: number;
  reasoning: number;
  /** Whether the upstream reported the token counts (else they are estimates or absent). */
  reported: boolean;
  /** Wall time from the first attempt's start to the last attempt's end, in ms. */
  latencyMs: number;
  costUsd: number;
}

/** Groups attempts (any order) into client requests, newest first. */
export function groupRequests(records: readonly UsageRecord[] | null | undefined): ClientRequest[] {
  const by = new Map<string, UsageRecord[]>();
  for (const r of records ?? []) {
    const id = r.RequestID || r.ID;
    const list = by.get(id);
    if (list) list.push(r);
    else by.set(id, [r]);
  }
  const out: ClientRequest[] = [];
  for (const [id, list] of by) {
    list.sort((a, b) => a.Attempt - b.Attempt || Date.parse(a.Time) - Date.parse(b.Time));
    const first = list[0];
    const last = list[list.length - 1];
    const start = Date.parse(first.Time);
    const end = Math.max(...list.map((a) => Date.parse(a.Time) + (a.LatencyMs || 0)));
    out.push({
      id,
      time: first.Time,
      requested: first.Requested,
      combo: first.Combo,
      keyId: first.KeyID,
      endpoint: first.Endpoint,
      attempts: list,
      outcome: last.Outcome,
      status: last.Status,
      error: last.Error,
      provider: last.Provider,
      model: last.Model,
      accountId: last.AccountID,
      input: sum(list, 'Input'),
      output: sum(list, 'Output'),
      cacheRead: sum(list, 'CacheRead'),
      reasoning: sum(list, 'Reasoning'),
      reported: list.some((a) => a.Reported),
      latencyMs: Number.isFinite(end - start) ? Math.max(0, end - start) : last.LatencyMs,
      costUsd: list.reduce((s, a) => s + (a.CostUSD || 0), 0),
    });
  }
  out.sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.id.localeCompare(a.id));
  return out;
}

function sum(list: UsageRecord[], k: 'Input' | 'Output' | 'CacheRead' | 'Reasoning'): number {
  return list.reduce((s, a) => s + (a[k] || 0), 0);
}

/** Fallbacks a request took: attempts after the first. */
export function fallbacks(r: ClientRequest): number {
  return Math.max(0, r.attempts.length - 1);
}

export interface RequestFilter {
  model?: string;
  provider?: string;
  /** 'ok' | 'error' | 'interrupted' | 'in_flight' | 'fallback' (served after a fallback) | '' */
  status?: string;
  keyId?: string;
  /** Only requests at or after this time (ms since epoch). */
  since?: number;
  /** Free text: matched against model strings, providers, account names, errors and the request id. */
  search?: string;
}

/** Applies the Logs page's filters. accountName turns an account id into its name for the search. */
export function filterRequests(list: readonly ClientRequest[], f: RequestFilter, accountName: (id: number) => string = String): ClientRequest[] {
  const q = (f.search ?? '').trim().toLowerCase();
  return list.filter((r) => {
    if (f.model && r.requested !== f.model && !r.attempts.some((a) => `${a.Provider}/${a.Model}` === f.model)) return false;
    if (f.provider && !r.attempts.some((a) => a.Provider === f.provider)) return false;
    if (f.status) {
      if (f.status === 'fallback') {
        if (r.attempts.length < 2) return false;
      } else if (r.outcome !== f.status) return false;
    }
    if (f.keyId && String(r.keyId) !== f.keyId) return false;
    if (f.since && Date.parse(r.time) < f.since) return false;
    if (q) {
      const hay = [r.id, r.requested, r.combo, r.endpoint, ...r.attempts.flatMap((a) => [`${a.Provider}/${a.Model}`, a.Error, accountName(a.AccountID)])]
        .join('\n')
        .toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
}

/** Distinct values for the filter menus. */
export function facets(list: readonly ClientRequest[]): { models: string[]; providers: string[]; keys: number[] } {
  const models = new Set<string>();
  const providers = new Set<string>();
  const keys = new Set<number>();
  for (const r of list) {
    if (r.requested) models.add(r.requested);
    for (const a of r.attempts) {
      providers.add(a.Provider);
      models.add(`${a.Provider}/${a.Model}`);
    }
    keys.add(r.keyId);
  }
  return { models: [...models].sort(), providers: [...providers].sort(), keys: [...keys].sort((a, b) => a - b) };
}

/** One flat export row per attempt, with the request it belongs to. Names, not ids, where known. */
export function exportRows(list: readonly ClientRequest[], accountName: (id: number) => string, keyName: (id: number) => string) {
  return list.flatMap((r) =>
    r.attempts.map((a) => ({
      request_id: r.id,
      attempt: a.Attempt,
      time: a.Time,
      requested: r.requested,
      combo: r.combo,
      provider: a.Provider,
      model: a.Model,
      account: a.AccountID ? accountName(a.AccountID) : '',
      key: keyName(r.keyId),
      endpoint: r.endpoint,
      outcome: a.Outcome,
      status: a.Status,
      error: a.Error,
      latency_ms: a.LatencyMs,
      ttfb_ms: a.TTFBMs,
      input_tokens: a.Input,
      output_tokens: a.Output,
      cache_read_tokens: a.CacheRead,
      reasoning_tokens: a.Reasoning,
      tokens_reported: a.Reported,
      cost_usd: a.CostUSD,
    })),
  );
}

export function toJSONL(rows: readonly object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. */
export function toCSV(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
