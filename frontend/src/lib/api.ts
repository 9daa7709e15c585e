// The management API client. The UI talks only to /api/... with relative URLs, so the same build works in the
// desktop window (served at /) and in the headless server's dashboard (served at /dashboard/).
//
// Auth: in the desktop window a Wails binding hands out a per-launch token, sent as a Bearer header; in a browser
// the server's HttpOnly session cookie is sent automatically (same origin), so no header is needed.

export type Mode = 'window' | 'browser';

/** An error answered by the management API ({error: {code, message}}) or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The rest of the error object: `existing` (code "exists"), `references` (code "in_use"). */
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /**
   * The route does not exist in this build: the feature's API has not landed yet. The router's catch-all says
   * "no such management route"; a 404 about a missing thing (an account id) is a different not_found.
   */
  get notAvailable(): boolean {
    return this.status === 404 && this.code === 'not_found' && this.message === noSuchRoute;
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** The message of the management router's catch-all 404 (backend/api/server.go). */
export const noSuchRoute = 'no such management route';

type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiOptions {
  fetch?: FetchFn;
  /** The window's management token; null in a browser (cookie auth). */
  token?: string | null;
  /** Called when the API answers 401 (a browser session expired or was ended). */
  onUnauthorized?: () => void;
}

export class Api {
  readonly mode: Mode;
  private readonly fetchFn: FetchFn;
  private readonly token: string | null;
  onUnauthorized: (() => void) | undefined;

  constructor(opts: ApiOptions = {}) {
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.token = opts.token ?? null;
    this.mode = this.token ? 'window' : 'browser';
    this.onUnauthorized = opts.onUnauthorized;
  }

  /** Sends one JSON request. path must be a relative /api/... path. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!path.startsWith('/api/')) throw new Error(`not a management path: ${path}`);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    // Relative to the page's origin root, not to the document: the dashboard lives at /dashboard/.
    let res: Response;
    try {
      res = await this.fetchFn(path, init);
    } catch (e) {
      throw new ApiError(0, 'network', `NineRouter is not reachable: ${(e as Error).message}`);
    }
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        if (res.ok) throw new ApiError(res.status, 'bad_response', `unexpected answer from ${path}`);
      }
    }
    if (!res.ok) {
      const err = errorFrom(res.status, data, text);
      if (err.unauthorized) this.onUnauthorized?.();
      throw err;
    }
    return data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

function errorFrom(status: number, data: unknown, text: string): ApiError {
  const e = (data as { error?: unknown } | undefined)?.error;
  if (e && typeof e === 'object') {
    const { code, message, ...details } = e as { code?: unknown; message?: unknown } & Record<string, unknown>;
    return new ApiError(status, String(code ?? 'error'), String(message ?? `HTTP ${status}`), details);
  }
  if (typeof e === 'string') return new ApiError(status, 'error', e);
  return new ApiError(status, 'http_' + status, text.trim().slice(0, 200) || `HTTP ${status}`);
}

/** What the Wails runtime puts on window in the desktop app. */
export interface DesktopWindow {
  go?: {
    app?: {
      App?: {
        ManagementToken?: () => Promise<string>;
        /** Puts text on the system clipboard (WebKitGTK denies navigator.clipboard to the app scheme). */
        CopyText?: (text: string) => Promise<void>;
      };
    };
  };
  runtime?: {
    EventsOn?: (name: string, cb: (...data: unknown[]) => void) => (() => void) | void;
    ClipboardSetText?: (text: string) => Promise<boolean>;
  };
}

/** Builds the client for where the UI runs: the desktop window (token binding) or a browser (cookie). */
export async function connect(
  win: DesktopWindow & { WailsInvoke?: unknown },
  opts: Omit<ApiOptions, 'token'> = {},
  wait: { timeoutMs: number; stepMs: number } = { timeoutMs: 5000, stepMs: 20 },
): Promise<Api> {
  // Inside the desktop window the Wails runtime is there before our module runs, but the bindings object may
  // be filled a moment later: wait for it (once, at start-up) rather than fall back to the browser's login.
  const inWails = () => win.runtime !== undefined || win.WailsInvoke !== undefined;
  let binding = win.go?.app?.App?.ManagementToken;
  for (let waited = 0; typeof binding !== 'function' && inWails() && waited < wait.timeoutMs; waited += wait.stepMs) {
    await new Promise((r) => setTimeout(r, wait.stepMs));
    binding = win.go?.app?.App?.ManagementToken;
  }
  if (typeof binding === 'function') {
    const token = await binding();
    if (!token) throw new Error('the desktop app returned no management token');
    return new Api({ ...opts, token });
  }
  if (inWails()) throw new Error('the desktop app did not provide its management token binding');
  return new Api(opts);
}
