import { describe, expect, it } from 'vitest';
import { accountState, gettingStarted, stateLabel, toolStateWords } from './serving';
import { settingConsequence, isLoopbackAddr } from './settings';
import { plain, fieldOf } from './errors.svelte';
import { describeRef } from './guard';
import { ms, usd } from './format';
import { ApiError } from './api';
import type { AccountView } from './types';

const acct = (over: Partial<AccountView>): AccountView => ({
  id: 1, provider: 'mock', providerName: 'mock', name: 'a', baseUrl: '', effectiveUrl: '', proxyUrl: '', proxyAuth: false, priority: 0,
  enabled: true, models: null, hasKey: true, dailyUsd: 0, monthlyUsd: 0, spentToday: 0, spentMonth: 0, overBudget: false,
  cooldowns: null, createdAt: '', ...over,
});

describe('accountState', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');
  it.each([
    [{}, 'ready'],
    [{ enabled: false }, 'disabled'],
    [{ hasKey: false }, 'needs-sign-in'],
    [{ overBudget: true }, 'over-budget'],
    [{ cooldowns: [{ accountId: 1, model: 'm1', until: '2026-12-05T10:01:00Z', reason: '429' }] }, 'cooling'],
    [{ cooldowns: [{ accountId: 1, model: 'm1', until: '2026-12-05T09:59:00Z', reason: '429' }] }, 'ready'],
  ])('%j -> %s', (over, want) => expect(accountState(acct(over), now).state).toBe(want));

  it('uses the same words as the tray', () => {
    expect(stateLabel('cooling').label).toBe('cooling down');
    expect(toolStateWords.configured.label).toBe('using NineRouter');
    expect(toolStateWords['not-configured'].label).toBe('not set up');
  });
});

describe('gettingStarted', () => {
  it('is done step by step; no tool on the machine does not hold it back', () => {
    expect(gettingStarted({ accounts: 0, active: '', tools: [] })).toMatchObject({ provider: false, combo: false, all: false });
    expect(gettingStarted({ accounts: 1, active: 'default', tools: [] })).toMatchObject({ all: true, detected: 0 });
    const tools = [{ installed: true, state: 'not-configured' }];
    expect(gettingStarted({ accounts: 1, active: 'default', tools }).all).toBe(false);
    expect(gettingStarted({ accounts: 1, active: 'default', tools: [{ installed: true, state: 'configured' }] }).all).toBe(true);
  });
});

describe('settingConsequence', () => {
  it('asks before the API key stops being required, not when it starts', () => {
    expect(settingConsequence('require_api_key', 'true', 'false')?.body.join(' ')).toMatch(/without a key/);
    expect(settingConsequence('require_api_key', 'false', 'true')).toBeNull();
  });
  it('says where the server moves and warns of a wider bind', () => {
    const c = settingConsequence('listen_addr', '', '0.0.0.0:20128', '127.0.0.1:20128')!;
    expect(c.body[0]).toMatch(/0\.0\.0\.0:20128 instead of 127\.0\.0\.1:20128/);
    expect(c.body.join(' ')).toMatch(/other machines/);
    expect(settingConsequence('listen_addr', '', '127.0.0.1:3000')!.body.join(' ')).not.toMatch(/other machines/);
    expect(settingConsequence('debug_request_log', 'false', 'true')).toBeNull();
  });
  it.each([
    ['', true],
    ['127.0.0.1:1', true],
    ['localhost:2', true],
    ['[::1]:3', true],
    ['0.0.0.0:4', false],
    ['192.168.1.5:5', false],
  ])('isLoopbackAddr(%s) = %s', (a, want) => expect(isLoopbackAddr(a)).toBe(want));
});

describe('plain words', () => {
  it('drops machine prefixes and starts with a capital', () => {
    expect(plain(new ApiError(400, 'invalid', 'invalid: base URL "x": want http(s)://host'))).toBe('Base URL "x": want http(s)://host');
    expect(plain(new Error('conflict: the prefix "a" is taken'))).toBe('The prefix "a" is taken');
    expect(plain('')).toBe('Something went wrong.');
  });
  it('finds the field a message is about', () => {
    expect(fieldOf('The base URL must start with http', { prefix: ['prefix'], baseUrl: ['base url'] })).toBe('baseUrl');
    expect(fieldOf('disk full', { prefix: ['prefix'] })).toBe('');
  });
  it('names references', () => {
    expect(describeRef({ kind: 'combo', name: 'default', model: 'mock/m1', active: true })).toBe('combo default (the active combo): its entry mock/m1');
    expect(describeRef({ kind: 'alias', name: 'fast', model: 'mock/m1' })).toBe('alias fast → mock/m1');
  });
});

describe('numbers in one format', () => {
  it.each([
    [0, '<1 ms'],
    [0.4, '<1 ms'],
    [12, '12 ms'],
    [1234, '1,234 ms'],
    [12500, '12.5 s'],
    [null, '–'],
  ])('ms(%s) = %s', (n, want) => expect(ms(n)).toBe(want));
  it('money', () => {
    expect([usd(0), usd(1.5), usd(0.025), usd(0.00012)]).toEqual(['$0.00', '$1.50', '$0.025', '$0.0001']);
  });
});
