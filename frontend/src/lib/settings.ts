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
