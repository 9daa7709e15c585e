// Turns form fields into API bodies: empty optional fields are left out so the server keeps its defaults.

/** "a, b\nc" -> ["a", "b", "c"]. */
export function splitList(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A number field: "" -> undefined; anything not a finite number >= 0 -> NaN (the caller reports it). */
export function optionalNumber(s: string | number | null | undefined): number | undefined {
  if (s === null || s === undefined) return undefined;
  const t = String(s).trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? n : NaN;
}

export interface AccountForm {
  provider: string;
  apiKey: string;
  name: string;
  baseUrl: string;
  priority: string;
  dailyUsd: string;
  monthlyUsd: string;
}

/** Validates the Add account form; returns the POST /api/accounts body or an error message. */
export function accountBody(f: AccountForm): { body?: Record<string, unknown>; error?: string; field?: keyof AccountForm } {
  if (!f.provider) return { error: 'Choose a provider.', field: 'provider' };
  if (!f.apiKey.trim()) return { error: 'Paste the API key.', field: 'apiKey' };
  const body: Record<string, unknown> = { provider: f.provider, apiKey: f.apiKey.trim() };
  if (f.name.trim()) body.name = f.name.trim();
  if (f.baseUrl.trim()) {
    if (!/^https?:\/\/\S+$/i.test(f.baseUrl.trim())) return { error: 'The base URL must start with http:// or https://.', field: 'baseUrl' };
    body.baseUrl = f.baseUrl.trim();
  }
  for (const [k, label] of [
    ['priority', 'Priority'],
    ['dailyUsd', 'The daily cap'],
    ['monthlyUsd', 'The monthly cap'],
  ] as const) {
    const n = optionalNumber(f[k]);
    if (Number.isNaN(n)) return { error: `${label} must be a number of 0 or more.`, field: k };
    if (n !== undefined) body[k] = k === 'priority' ? Math.round(n) : n;
  }
  return { body };
}

export interface NodeForm {
  prefix: string;
  format: string;
  baseUrl: string;
  apiKey: string;
  name: string;
  models: string;
}

/** Validates the Add node form; returns the POST /api/nodes body or an error message. */
export function nodeBody(f: NodeForm): { body?: Record<string, unknown>; error?: string; field?: keyof NodeForm } {
  const prefix = f.prefix.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(prefix)) return { error: 'The prefix is letters, digits, “.”, “_” or “-” (e.g. mygw).', field: 'prefix' };
  if (!['openai', 'openai-responses', 'anthropic'].includes(f.format)) return { error: 'Choose the wire format.', field: 'format' };
  if (!/^https?:\/\/\S+$/i.test(f.baseUrl.trim())) return { error: 'The base URL must start with http:// or https://.', field: 'baseUrl' };
  const body: Record<string, unknown> = { prefix, format: f.format, baseUrl: f.baseUrl.trim() };
  if (f.apiKey.trim()) body.apiKey = f.apiKey.trim();
  if (f.name.trim()) body.name = f.name.trim();
  const models = splitList(f.models);
  // The account test and combos name a model; a node without one can serve nothing it can check.
  if (models.length === 0) return { error: 'List at least one model the endpoint serves (e.g. gpt-4o-mini): the test and combos need one.', field: 'models' };
  body.models = models;
  return { body };
}

export interface AccountEdit {
  name: string;
  priority: string;
  baseUrl: string;
  proxyUrl: string;
  models: string;
  dailyUsd: string;
  monthlyUsd: string;
  apiKey: string; // "" keeps the stored key
}

/** The PATCH /api/accounts/{id} body for the fields that changed; an error message for bad input. */
export function accountPatch(
  before: { name: string; priority: number; baseUrl: string; proxyUrl: string; models: string[] | null; dailyUsd: number; monthlyUsd: number },
  f: AccountEdit,
): { body?: Record<string, unknown>; error?: string } {
  const body: Record<string, unknown> = {};
  if (f.name.trim() !== before.name) body.name = f.name.trim();
  const prio = optionalNumber(f.priority);
  if (prio === undefined || Number.isNaN(prio)) return { error: 'Priority must be a number of 0 or more.' };
  if (Math.round(prio) !== before.priority) body.priority = Math.round(prio);
  const base = f.baseUrl.trim();
  if (base && !/^https?:\/\/\S+$/i.test(base)) return { error: 'The base URL must start with http:// or https://.' };
  if (base !== before.baseUrl) body.baseUrl = base;
  if (f.proxyUrl.trim() !== before.proxyUrl) body.proxyUrl = f.proxyUrl.trim();
  const models = splitList(f.models);
  if (models.join('\n') !== (before.models ?? []).join('\n')) body.models = models;
  for (const k of ['dailyUsd', 'monthlyUsd'] as const) {
    const n = optionalNumber(f[k]);
    if (Number.isNaN(n)) return { error: 'Caps must be numbers of 0 or more.' };
    if ((n ?? 0) !== before[k]) body[k] = n ?? 0;
  }
  if (f.apiKey.trim()) body.apiKey = f.apiKey.trim();
  return { body };
}
