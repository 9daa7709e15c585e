import { describe, expect, it } from 'vitest';
import { accountBody, accountPatch, nodeBody, optionalNumber, splitList } from './forms';

describe('form helpers', () => {
  it('splitList and optionalNumber', () => {
    expect(splitList(' a, b\n\nc ,')).toEqual(['a', 'b', 'c']);
    expect(optionalNumber('')).toBeUndefined();
    expect(optionalNumber(' 2.5 ')).toBe(2.5);
    expect(optionalNumber('-1')).toBeNaN();
    expect(optionalNumber('x')).toBeNaN();
  });
});

describe('accountBody', () => {
  const base = { provider: 'openai', apiKey: ' sk-1 ', name: '', baseUrl: '', priority: '', dailyUsd: '', monthlyUsd: '' };
  it.each([
    ['minimal', base, { body: { provider: 'openai', apiKey: 'sk-1' } }],
    [
      'everything',
      { ...base, name: 'work', baseUrl: 'https://gw.example/v1', priority: '2', dailyUsd: '1.5', monthlyUsd: '30' },
      { body: { provider: 'openai', apiKey: 'sk-1', name: 'work', baseUrl: 'https://gw.example/v1', priority: 2, dailyUsd: 1.5, monthlyUsd: 30 } },
    ],
    ['no provider', { ...base, provider: '' }, { error: 'Choose a provider.', field: 'provider' }],
    ['no key', { ...base, apiKey: '  ' }, { error: 'Paste the API key.', field: 'apiKey' }],
    ['bad url', { ...base, baseUrl: 'gw.example' }, { error: 'The base URL must start with http:// or https://.', field: 'baseUrl' }],
    ['bad cap', { ...base, dailyUsd: 'lots' }, { error: 'The daily cap must be a number of 0 or more.', field: 'dailyUsd' }],
  ])('%s', (_, form, want) => expect(accountBody(form)).toEqual(want));
});

describe('nodeBody', () => {
  const base = { prefix: ' MyGW ', format: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: '', name: '', models: 'a, b' };
  it('lowercases the prefix and lists models', () => {
    expect(nodeBody(base)).toEqual({ body: { prefix: 'mygw', format: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['a', 'b'] } });
  });
  it.each([
    [{ ...base, prefix: 'my gw' }, /prefix/],
    [{ ...base, format: 'gemini' }, /wire format/],
    [{ ...base, baseUrl: 'ftp://x' }, /base URL/],
    [{ ...base, models: ' , ' }, /at least one model/],
  ])('refuses %j', (form, want) => expect(nodeBody(form).error).toMatch(want));
});

describe('accountPatch', () => {
  const before = { name: 'work', priority: 1, baseUrl: '', proxyUrl: '', models: ['m1'], dailyUsd: 0, monthlyUsd: 10 };
  const same = { name: 'work', priority: '1', baseUrl: '', proxyUrl: '', models: 'm1', dailyUsd: '', monthlyUsd: '10', apiKey: '' };
  it('sends only what changed', () => {
    expect(accountPatch(before, same)).toEqual({ body: {} });
    expect(accountPatch(before, { ...same, priority: '3', monthlyUsd: '', apiKey: 'sk-new' })).toEqual({
      body: { priority: 3, monthlyUsd: 0, apiKey: 'sk-new' },
    });
    expect(accountPatch(before, { ...same, models: 'm1, m2', baseUrl: 'http://127.0.0.1:1' })).toEqual({
      body: { baseUrl: 'http://127.0.0.1:1', models: ['m1', 'm2'] },
    });
  });
  it('refuses bad input', () => {
    expect(accountPatch(before, { ...same, priority: '' }).error).toMatch(/Priority/);
    expect(accountPatch(before, { ...same, baseUrl: 'nope' }).error).toMatch(/base URL/);
  });
});
