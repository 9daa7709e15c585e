import { describe, expect, it } from 'vitest';
import { known, pathFromHash, pages } from './router.svelte';
import { move } from './reorder';

describe('pathFromHash', () => {
  it.each([
    ['', '/'],
    ['#', '/'],
    ['#/', '/'],
    ['#/providers', '/providers'],
    ['#/combos/', '/combos'],
    ['#tools', '/tools'],
    ['#/usage?range=24h', '/usage'],
    ['#/nowhere', '/nowhere'],
  ])('%s -> %s', (hash, want) => expect(pathFromHash(hash)).toBe(want));

  it('knows its pages and nothing else (the rest is a not-found page)', () => {
    expect(known('/keys')).toBe(true);
    expect(known('/nowhere')).toBe(false);
  });

  it('has the product’s navigation in order', () => {
    expect(pages.map((p) => p.title)).toEqual(['Overview', 'Providers', 'Combos', 'Quota', 'CLI Tools', 'Keys', 'Usage', 'Logs', 'Settings']);
  });
});

describe('move', () => {
  it.each([
    [0, 2, ['b', 'c', 'a', 'd']],
    [3, 0, ['d', 'a', 'b', 'c']],
    [1, 1, ['a', 'b', 'c', 'd']],
    [1, 99, ['a', 'c', 'd', 'b']],
    [1, -5, ['b', 'a', 'c', 'd']],
    [7, 0, ['a', 'b', 'c', 'd']],
  ])('move(%d -> %d)', (from, to, want) => {
    const list = ['a', 'b', 'c', 'd'];
    expect(move(list, from, to)).toEqual(want);
    expect(list).toEqual(['a', 'b', 'c', 'd']);
  });
});
