import { describe, expect, it } from 'vitest';
import { barClass, left, lowestAccount, quotaCountdown, quotaStateWords, windowWords, type QuotaView } from './quota';

describe('quota words', () => {
  const now = Date.parse('2026-12-05T22:00:00Z');
  it('counts down like the tray and the CLI', () => {
    expect(quotaCountdown('2026-12-05T23:12:00Z', now)).toBe('1h 12m');
    expect(quotaCountdown('2026-12-10T01:10:00Z', now)).toBe('4d 3h');
    expect(quotaCountdown('2026-12-05T22:00:30Z', now)).toBe('1m');
    expect(quotaCountdown('2026-12-05T21:00:00Z', now)).toBe('now');
    expect(quotaCountdown(undefined, now)).toBe('');
  });
  it('says each state in one word', () => {
    expect(quotaStateWords('low')).toBe('quota low');
    expect(quotaStateWords('exhausted')).toBe('spent');
    expect(quotaStateWords('needs_sign_in')).toBe('needs sign-in');
  });
  it('never shows a countdown for a window that has not started', () => {
    expect(windowWords({ id: '7d', label: 'week', usedPercent: 0, state: 'not_started' })).toMatch(/not started/);
    expect(windowWords({ id: '5h', label: '5h', usedPercent: 37, state: 'ok' })).toBe('63% left');
    expect(left({ id: 'x', label: 'x', state: 'unlimited' })).toBeNull();
    expect(barClass({ id: '5h', label: '5h', usedPercent: 80, state: 'ok' })).toBe('bad');
    expect(barClass({ id: '5h', label: '5h', usedPercent: 50, state: 'ok' })).toBe('warn');
  });
  it('finds the account with the least left', () => {
    const v: QuotaView = {
      lowPercent: 20,
      trayMetric: 'lowest',
      now: '',
      accounts: [
        { accountId: 1, provider: 'claude', providerName: 'Claude', name: 'a', state: 'ok', windows: [], stale: false, supported: true, lowest: { id: '5h', label: '5h', usedPercent: 40, state: 'ok' } },
        { accountId: 2, provider: 'codex', providerName: 'Codex', name: 'b', state: 'low', windows: [], stale: false, supported: true, lowest: { id: '7d', label: 'week', usedPercent: 91, state: 'ok' } },
        { accountId: 3, provider: 'codex', providerName: 'Codex', name: 'c', state: 'needs_sign_in', windows: [], stale: false, supported: true, lowest: { id: '7d', label: 'week', usedPercent: 99, state: 'ok' } },
      ],
    };
    expect(lowestAccount(v)?.accountId).toBe(2);
    expect(lowestAccount(undefined)).toBeNull();
  });
});
