import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, connect } from './api';

type Call = { input: string; init?: RequestInit };

function fakeFetch(status: number, body: string, calls: Call[] = []) {
  return async (input: string, init?: RequestInit) => {
    calls.push({ input, init });
    return new Response(body, { status, headers: { 'Content-Type': 'application/json' } });
  };
}

describe('Api', () => {
  it('sends the window token as a Bearer header and JSON bodies', async () => {
    const calls: Call[] = [];
    const api = new Api({ token: 'nrw_abc', fetch: fakeFetch(200, '{"ok":true}', calls) });
    expect(api.mode).toBe('window');
    expect(await api.post('/api/things', { a: 1 })).toEqual({ ok: true });
    const headers = calls[0].init!.headers as Record<string, string>;
    expect(calls[0].input).toBe('/api/things');
    expect(headers.Authorization).toBe('Bearer nrw_abc');
    expect(headers['Content-Type']).toBe('application/json');
    expect(calls[0].init!.body).toBe('{"a":1}');
  });

  it('sends no Authorization header in a browser (the cookie does the work)', async () => {
    const calls: Call[] = [];
    const api = new Api({ fetch: fakeFetch(200, '{}', calls) });
    expect(api.mode).toBe('browser');
    await api.get('/api/status');
    expect((calls[0].init!.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(calls[0].init!.credentials).toBe('same-origin');
  });

  it('refuses anything but a relative /api path', async () => {
    const api = new Api({ fetch: fakeFetch(200, '{}') });
    await expect(api.get('https://evil.example/api/x')).rejects.toThrow(/not a management path/);
    await expect(api.get('/v1/models')).rejects.toThrow(/not a management path/);
  });

  it.each([
    { name: 'API error shape', status: 400, body: '{"error":{"code":"weak_password","message":"too short"}}', code: 'weak_password', message: 'too short' },
    { name: 'string error', status: 400, body: '{"error":"nope"}', code: 'error', message: 'nope' },
    { name: 'plain text', status: 502, body: 'bad gateway', code: 'http_502', message: 'bad gateway' },
    { name: 'empty body', status: 500, body: '', code: 'http_500', message: 'HTTP 500' },
  ])('turns a failure into ApiError: $name', async ({ status, body, code, message }) => {
    const api = new Api({ fetch: fakeFetch(status, body) });
    const err = (await api.get('/api/x').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('says a route is not available yet only for the router’s own 404', async () => {
    const missing = new Api({ fetch: fakeFetch(404, '{"error":{"code":"not_found","message":"no such management route"}}') });
    expect(((await missing.get('/api/combos').catch((e) => e)) as ApiError).notAvailable).toBe(true);
    const gone = new Api({ fetch: fakeFetch(404, '{"error":{"code":"not_found","message":"not found: account 7"}}') });
    expect(((await gone.get('/api/accounts/7').catch((e) => e)) as ApiError).notAvailable).toBe(false);
  });

  it('calls onUnauthorized on 401', async () => {
    const onUnauthorized = vi.fn();
    const api = new Api({ fetch: fakeFetch(401, '{"error":{"code":"unauthorized","message":"sign in"}}'), onUnauthorized });
    await expect(api.get('/api/status')).rejects.toMatchObject({ unauthorized: true });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('reports a network failure as status 0', async () => {
    const api = new Api({ fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(api.get('/api/status')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});

describe('connect', () => {
  it('uses the desktop binding when present', async () => {
    const ManagementToken = vi.fn(async () => 'nrw_tok');
    const api = await connect({ go: { app: { App: { ManagementToken } } } });
    expect(api.mode).toBe('window');
    expect(ManagementToken).toHaveBeenCalledOnce();
  });

  it('falls back to the browser mode', async () => {
    expect((await connect({})).mode).toBe('browser');
  });

  it('waits for bindings that appear after the Wails runtime', async () => {
    const win: Parameters<typeof connect>[0] = { runtime: {} };
    setTimeout(() => (win.go = { app: { App: { ManagementToken: async () => 'nrw_late' } } }), 30);
    expect((await connect(win, {}, { timeoutMs: 2000, stepMs: 5 })).mode).toBe('window');
  });

  it('does not fall back to a browser login inside the desktop window', async () => {
    await expect(connect({ runtime: {} }, {}, { timeoutMs: 20, stepMs: 5 })).rejects.toThrow(/binding/);
  });

  it('refuses an empty token rather than calling without auth', async () => {
    await expect(connect({ go: { app: { App: { ManagementToken: async () => '' } } } })).rejects.toThrow(/no management token/);
  });
});
