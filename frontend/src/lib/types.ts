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
