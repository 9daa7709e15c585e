import { describe, expect, it } from 'vitest';
import { orderSettings, settingTitle, uninstallQuestion } from './settings';

describe('settings', () => {
  it('titles known keys and makes unknown ones readable', () => {
    expect(settingTitle('require_api_key')).toBe('Require an API key on /v1');
    expect(settingTitle('usage_retention_days')).toBe('Keep usage rows (days)');
    expect(settingTitle('sticky_limit')).toBe('Sticky limit');
  });

  it('puts the common switches first and keeps the rest in order', () => {
    const keys = ['debug_request_log', 'http_proxy', 'zeta', 'listen_addr', 'alpha', 'require_api_key'].map((key) => ({ key }));
    expect(orderSettings(keys).map((s) => s.key)).toEqual([
      'require_api_key',
      'debug_request_log',
      'listen_addr',
      'http_proxy',
      'zeta',
      'alpha',
    ]);
  });

  it('names what Uninstall undoes and what it keeps', () => {
    const q = uninstallQuestion(
      [
        { name: 'Claude Code', applied: { at: 'x' } },
        { name: 'Codex', applied: null },
        { name: 'OpenCode', applied: { at: 'y' } },
      ],
      { enabled: true, where: '/home/u/.config/autostart/ninerouter.desktop' },
      '/home/u/.config/ninerouter',
    );
    expect(q.items).toEqual([
      'Claude Code: its config goes back to your original',
      'OpenCode: its config goes back to your original',
      'Start at login: the entry is removed (/home/u/.config/autostart/ninerouter.desktop)',
    ]);
    expect(q.body.join(' ')).toContain('stay in /home/u/.config/ninerouter');
    expect(q.body.join(' ')).toContain('--purge');
    expect(q.confirm).toBe('Uninstall');
  });

  it('says when Uninstall has nothing to undo', () => {
    const q = uninstallQuestion([{ name: 'Codex' }], { enabled: false }, '');
    expect(q.items).toEqual([]);
    expect(q.body[0]).toContain('nothing to undo');
    expect(q.confirm).toBe('Uninstall anyway');
  });
});
