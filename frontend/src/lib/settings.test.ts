import { describe, expect, it } from 'vitest';
import { orderSettings, settingTitle } from './settings';

describe('settings', () => {
  it('titles known keys and makes unknown ones readable', () => {
    expect(settingTitle('require_api_key')).toBe('Require an API key on /v1');
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
});
