import { describe, expect, it } from 'vitest';
import { fromBase64, groupByKind, itemText, passphraseProblem, summary, toBase64 } from './imports';
import type { ImportPreview } from './imports';

describe('imports', () => {
  it('says what will happen and what happened', () => {
    const p: ImportPreview = { source: '9router', origin: 'x', format: 'f', items: [], counts: { add: 3, merge: 1, skip: 2 }, applied: false };
    expect(summary(p)).toBe('3 will be added, 1 merged, 2 skipped.');
    expect(summary({ ...p, applied: true })).toBe('3 were added, 1 merged, 2 skipped.');
  });
  it('joins detail and reason', () => {
    expect(itemText({ kind: 'account', name: 'a', action: 'skip', reason: 'provider not supported by this build yet' })).toBe(
      'provider not supported by this build yet',
    );
    expect(itemText({ kind: 'account', name: 'a', action: 'merge', detail: 'a@example.com', reason: 'signs in again' })).toBe(
      'a@example.com; signs in again',
    );
  });
  it('groups consecutive kinds', () => {
    const g = groupByKind([
      { kind: 'node', name: 'n', action: 'add' },
      { kind: 'account', name: 'a', action: 'add' },
      { kind: 'account', name: 'b', action: 'skip' },
    ]);
    expect(g.map((x) => [x.kind, x.items.length])).toEqual([
      ['node', 1],
      ['account', 2],
    ]);
  });
  it('round-trips bytes through base64, also large ones', () => {
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(fromBase64(toBase64(big))).toEqual(big);
    expect(toBase64(new TextEncoder().encode('age'))).toBe('YWdl');
  });
  it('checks a new passphrase', () => {
    expect(passphraseProblem('short', 'short')).toMatch(/8 characters/);
    expect(passphraseProblem('long enough', 'long enougH')).toMatch(/differ/);
    expect(passphraseProblem('long enough', 'long enough')).toBe('');
  });
});
