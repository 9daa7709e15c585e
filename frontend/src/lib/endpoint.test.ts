import { describe, expect, it } from 'vitest';
import { displayEndpoint } from './endpoint';

describe('displayEndpoint', () => {
  const here = { protocol: 'http:', host: '192.168.1.5:20128' };
  it.each([
    ['http://127.0.0.1:20128/v1', 'browser', 'http://127.0.0.1:20128/v1'],
    ['http://0.0.0.0:20128/v1', 'browser', 'http://192.168.1.5:20128/v1'],
    ['http://0.0.0.0:20128/v1', 'window', 'http://127.0.0.1:20128/v1'],
    ['http://[::]:20128/v1', 'window', 'http://[::1]:20128/v1'],
    ['not a url', 'browser', 'not a url'],
  ] as const)('%s in the %s', (endpoint, mode, want) => expect(displayEndpoint(endpoint, mode, here)).toBe(want));

  it('keeps the server address when the page is not on http(s)', () => {
    expect(displayEndpoint('http://0.0.0.0:1/v1', 'browser', { protocol: 'wails:', host: 'wails' })).toBe('http://127.0.0.1:1/v1');
  });
});
