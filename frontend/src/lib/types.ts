// JSON shapes of the management API (backend/service, backend/api). Only fields the UI uses are listed.

export interface VersionInfo {
  version: string;
  commit?: string;
  date?: string;
  go?: string;
  [k: string]: unknown;
}

/** GET /api/status (backend/service/service.go Status). */
export interface Status {
  version: VersionInfo;
  addr: string;
  endpoint: string;
  dataDir: string;
  listening: boolean;
  startedAt: string;
  uptimeSeconds: number;
  requests: number;
  secretStore: string;
  secretStoreDetail: string;
  passwordSet: boolean;
  requireApiKey: boolean;
  loopback: boolean;
  desktop: boolean;
  schemaVersion: number;
}

/** GET /api/auth/state. */
export interface AuthState {
  passwordSet: boolean;
  signedIn: boolean;
  setupAllowed: boolean;
}

/** Summed usage counts (backend/usage Totals). */
export interface UsageTotals {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  costUsd: number;
}

/** GET /api/usage (backend/usage Report). */
export interface UsageReport {
  since: string;
  until: string;
  bucket: 'hour' | 'day';
  total: UsageTotals;
  buckets: ({ start: string } & UsageTotals)[] | null;
  by: Record<string, ({ key: string } & UsageTotals)[] | null> | null;
}

/** One step of a combo: a model string or another combo's name, with optional budget caps (backend/route). */
export interface ComboEntry {
  model: string;
  dailyUsd?: number;
  monthlyUsd?: number;
  /** Set by the server when this entry is skipped for being over its budget. */
  overBudget?: boolean;
}

export interface Combo {
  name: string;
  strategy: 'fallback' | 'round-robin' | string;
  entries: ComboEntry[];
  active?: boolean;
}

/** Client API key as listed (the key itself is shown once, on creation). */
export interface ClientKey {
  id: number;
  name: string;
  hint: string;
  createdAt: string;
  revokedAt?: string | null;
}

/** A cooling (account, model) pair (backend/route Cooldown). */
export interface Cooldown {
  accountId: number;
  model: string;
  until: string;
  reason: string;
}
