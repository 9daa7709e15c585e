// Human titles for the settings table's keys (backend/service/settings.go); unknown keys get a readable fallback.

const titles: Record<string, string> = {
  require_api_key: 'Require an API key on /v1',
  debug_request_log: 'Debug request log',
  listen_addr: 'Listen address',
  http_proxy: 'HTTP proxy',
  https_proxy: 'HTTPS proxy',
  no_proxy: 'No proxy for',
  usage_retention_days: 'Keep usage rows (days)',
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

/** A loopback listen address (127.x, ::1, localhost); "" is the default loopback one. */
export function isLoopbackAddr(addr: string): boolean {
  if (!addr) return true;
  const host = addr.startsWith('[') ? addr.slice(1, addr.indexOf(']')) : addr.slice(0, addr.lastIndexOf(':'));
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * What changing a setting does that the user may not expect, said before it happens; null when nothing needs
 * saying. current is the address NineRouter listens on now (for listen_addr).
 */
export function settingConsequence(key: string, from: string, to: string, current = ''): { title: string; body: string[]; confirm: string } | null {
  if (key === 'require_api_key' && from !== 'false' && to === 'false') {
    return {
      title: 'Stop requiring an API key?',
      body: [
        'Any program running on this machine can then send requests through your accounts and spend their quota or money, without a key.',
        'Requests from other machines still need one. You can turn this back on at any time.',
      ],
      confirm: 'Stop requiring a key',
    };
  }
  if (key === 'listen_addr' && from !== to) {
    const next = to || '127.0.0.1:20128';
    const body = [
      `After the next restart NineRouter listens on ${next}${current ? ` instead of ${current}` : ''}.`,
      'Tools configured for the old address stop reaching NineRouter until you use Heal on CLI Tools, and this dashboard moves to the new address.',
    ];
    if (!isLoopbackAddr(to)) body.push('This address is reachable from other machines: every request then needs an API key, and the dashboard needs its password.');
    return { title: 'Change the listen address?', body, confirm: `Listen on ${next}` };
  }
  return null;
}

/**
 * The Uninstall confirmation: what NineRouter is about to undo, by name (the tools whose configs it changed, the
 * start-at-login entry) and what stays (the data, the keys and the program itself).
 */
export function uninstallQuestion(
  tools: readonly { name: string; applied?: unknown }[],
  autostart: { enabled: boolean; where?: string } | null,
  dataDir: string,
): { title: string; body: string[]; items: string[]; confirm: string } {
  const items = tools.filter((t) => t.applied).map((t) => `${t.name}: its config goes back to your original`);
  if (autostart?.enabled) items.push(`Start at login: the entry is removed${autostart.where ? ` (${autostart.where})` : ''}`);
  const body = [
    items.length
      ? 'NineRouter takes itself out of this computer. Edits you made to a tool config since NineRouter changed it are kept.'
      : 'No coding tool uses NineRouter and start at login is off, so there is nothing to undo outside NineRouter.',
    `Your accounts, keys and usage history stay${dataDir ? ` in ${dataDir}` : ''}; to delete them too, run \`ninerouter uninstall --purge\`. NineRouter keeps running until you quit it, and the program stays installed until you remove it.`,
  ];
  return { title: 'Uninstall NineRouter?', body, items, confirm: items.length ? 'Uninstall' : 'Uninstall anyway' };
}
