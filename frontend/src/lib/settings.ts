// Human titles for the settings table's keys (backend/service/settings.go); unknown keys get a readable fallback.

const titles: Record<string, string> = {
  require_api_key: 'Require an API key on /v1',
  debug_request_log: 'Debug request log',
  listen_addr: 'Listen address',
  http_proxy: 'HTTP proxy',
  https_proxy: 'HTTPS proxy',
  no_proxy: 'No proxy for',
};

export function settingTitle(key: string): string {
  if (titles[key]) return titles[key];
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The settings people change most come first; the rest keep the server's order.
const preferred = ['require_api_key', 'debug_request_log', 'listen_addr', 'http_proxy', 'https_proxy', 'no_proxy'];

export function orderSettings<T extends { key: string }>(list: readonly T[]): T[] {
  const rank = (k: string) => {
    const i = preferred.indexOf(k);
    return i < 0 ? preferred.length : i;
  };
  return list
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s.key) - rank(b.s.key) || a.i - b.i)
    .map((x) => x.s);
}
