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
  /** Why account keys are not loaded (a locked keychain); absent once they are. */
  secretsWaiting?: string;
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

/** Summed usage counts (backend/usage Totals): `requests` counts client requests, `attempts` upstream tries,
 * `errors` failed attempts (docs/ui.md). */
export interface UsageTotals {
  requests: number;
  attempts: number;
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
  /** Entries that name something missing (an unknown prefix, a provider with no enabled account). */
  problems?: Problem[] | null;
}

/** A combo entry that cannot serve, and why (backend/service/guard.go). */
export interface Problem {
  model: string;
  reason: string;
}

/** Something that uses what is being deleted (409 in_use: error.references). */
export interface Reference {
  kind: 'combo' | 'alias' | string;
  name: string;
  model?: string;
  active?: boolean;
}

/** GET /api/serving: what the next request to ninerouter/active goes to. */
export interface ServingView {
  active: string;
  tiers: {
    entry: string;
    provider: string;
    providerName: string;
    model: string;
    state: string;
    accounts: { id: number; name: string; state: string; until?: string; reason?: string }[];
  }[];
  nextTier: number;
  nextAccount: number;
  problem?: string;
}

/** POST /api/test-request. */
export interface TestRequestResult {
  ok: boolean;
  status: number;
  model: string;
  served: string;
  answer?: string;
  latencyMs: number;
  message?: string;
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

/** GET /api/settings: one user setting (backend/service SettingView). */
export interface SettingView {
  key: string;
  kind: 'bool' | 'string' | string;
  default: string;
  description: string;
  restartRequired: boolean;
  value: string;
  overriddenBy?: string;
}

/** GET /api/providers (backend/service ProviderInfo). */
export interface ProviderInfo {
  id: string;
  name: string;
  prefixes: string[] | null;
  auth: 'api-key' | 'oauth' | string;
  formats: string[] | null;
  defaultBaseUrl: string;
  models: string[] | null;
  notice?: string;
  node: boolean;
  nodeId?: number;
  strategy: 'fill-first' | 'round-robin' | string;
  accounts: number;
}

/** GET /api/accounts (backend/service AccountView). The key itself is never returned. */
export interface AccountView {
  id: number;
  provider: string;
  providerName: string;
  name: string;
  baseUrl: string;
  effectiveUrl: string;
  proxyUrl: string;
  priority: number;
  enabled: boolean;
  models: string[] | null;
  hasKey: boolean;
  dailyUsd: number;
  monthlyUsd: number;
  spentToday: number;
  spentMonth: number;
  overBudget: boolean;
  lastError?: string;
  lastErrorAt?: string;
  cooldowns: Cooldown[] | null;
  createdAt: string;
}

/** POST /api/accounts/{id}/test. */
export interface TestResult {
  ok: boolean;
  status: number;
  latencyMs: number;
  model: string;
  message: string;
}

/** GET /api/nodes. */
export interface NodeView {
  id: number;
  prefix: string;
  name: string;
  format: string;
  baseUrl: string;
  createdAt: string;
}

/** GET /api/usage/records: one upstream attempt (backend/store UsageRecord, Go field names). */
export interface UsageRecord {
  ID: string;
  RequestID: string;
  Attempt: number;
  Time: string;
  Provider: string;
  AccountID: number;
  Model: string;
  Requested: string;
  Combo: string;
  Entry: string;
  KeyID: number;
  Endpoint: string;
  Outcome: 'in_flight' | 'ok' | 'error' | 'interrupted' | string;
  Status: number;
  Error: string;
  LatencyMs: number;
  TTFBMs: number;
  Input: number;
  Output: number;
  CacheRead: number;
  CacheWrite: number;
  Reasoning: number;
  Reported: boolean;
  CostUSD: number;
}

/** GET /api/tools: one CLI tool (backend/clitool ToolState). */
export interface ToolState {
  id: string;
  name: string;
  detection: { installed: boolean; path?: string; version?: string; configOnly?: boolean };
  state: 'not-configured' | 'configured' | 'elsewhere' | 'stale' | 'error' | string;
  detail?: string;
  baseUrl?: string;
  model?: string;
  files: { path: string; format: string; role: string; exists: boolean }[] | null;
  applied?: { at: string; model: string; origin: string; keyId?: number } | null;
  canRevert: boolean;
  canRestore: boolean;
  restart?: string;
}

/** The answer of a tool preview, apply, revert or restore (backend/clitool Result). */
export interface ToolResult {
  tool: string;
  action: string;
  model?: string;
  files: { path: string; role?: string; format?: string; existed: boolean; changed: boolean; removed?: boolean; backup?: string; diff?: string }[] | null;
  kept?: string[] | null;
  restart?: string;
  notes?: string[] | null;
}

/** A copyable setup snippet for a tool NineRouter does not configure itself (Cursor, Cline, …). */
export interface ToolSnippet {
  id: string;
  name: string;
  /** Where to paste it, in words. */
  where?: string;
  language?: string;
  text: string;
  notes?: string[] | null;
}

/** GET /api/pricing: USD per million tokens; model may end in '*'; provider "" matches every provider. */
export interface Price {
  provider: string;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  custom: boolean;
}

/** GET /api/logs: the newest debug request-log entries (secrets removed when written), newest first. */
export interface RequestLogEntry {
  time: string;
  requestId: string;
  attempt: number;
  provider: string;
  model: string;
  url: string;
  status: number;
  requestHeader: Record<string, string[]> | null;
  requestBody: string;
  responseBody?: string;
}

export interface RequestLogPage {
  enabled: boolean;
  entries: RequestLogEntry[];
}
