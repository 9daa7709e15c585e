// The endpoint to show and copy. A wildcard bind (0.0.0.0, [::]) is not an address a client can dial: from a
// browser, the host the dashboard was reached on is; in the window, loopback is.

export function displayEndpoint(endpoint: string, mode: 'window' | 'browser', here: { protocol: string; host: string }): string {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return endpoint;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host !== '0.0.0.0' && host !== '::') return endpoint;
  if (mode === 'browser' && /^https?:$/.test(here.protocol) && here.host) return `${here.protocol}//${here.host}${u.pathname}`;
  u.hostname = host === '::' ? '[::1]' : '127.0.0.1';
  return u.toString().replace(/\/$/, u.pathname === '/' ? '' : '/');
}
