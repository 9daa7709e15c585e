import { describe, expect, it } from 'vitest';
import { compact, count, duration, outcomeClass, outcomeWord, relative, secondsUntil, usd } from './format';

describe('format', () => {
  it.each([
    [0, '0s'],
    [59.9, '59s'],
    [61, '1m 1s'],
    [3600, '1h 0m'],
    [93784, '1d 2h 3m'],
    [-5, '0s'],
  ])('duration(%d) = %s', (s, want) => expect(duration(s)).toBe(want));

  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1k'],
    [1250, '1.3k'],
    [1_234_567, '1.2M'],
    [250_000_000, '250M'],
    [3e9, '3B'],
    [NaN, '–'],
  ])('compact(%d) = %s', (n, want) => expect(compact(n)).toBe(want));

  it.each([
    [0, '$0.00'],
    [12.345, '$12.35'],
    [0.1234, '$0.123'],
    [0.00042, '$0.0004'],
    [null, '–'],
  ])('usd(%s) = %s', (n, want) => expect(usd(n)).toBe(want));

  it('count adds separators', () => expect(count(1234567)).toBe('1,234,567'));

  it('relative and secondsUntil', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(secondsUntil('2026-01-01T00:01:30Z', now)).toBe(90);
    expect(relative('2026-01-01T00:01:30Z', now)).toBe('in 1m 30s');
    expect(relative('2025-12-31T23:59:00Z', now)).toBe('1m 0s ago');
    expect(relative(null, now)).toBe('–');
    expect(relative('garbage', now)).toBe('–');
  });
});

describe('outcome', () => {
  it('gives every outcome one word and one badge, canceled included', () => {
    expect([outcomeWord('in_flight'), outcomeClass('in_flight')]).toEqual(['running', 'accent']);
    expect([outcomeWord('canceled'), outcomeClass('canceled')]).toEqual(['canceled', 'warn']);
    expect([outcomeWord('error'), outcomeClass('error')]).toEqual(['error', 'bad']);
    expect(outcomeClass('something new')).toBe('');
  });
});
