import { describe, expect, it } from 'vitest';
import { moveTarget, nextIndex } from './keys';

describe('nextIndex', () => {
  const cases: [string, 'horizontal' | 'vertical', number, number, number | null][] = [
    ['ArrowRight', 'horizontal', 0, 3, 1],
    ['ArrowRight', 'horizontal', 2, 3, 0], // wraps
    ['ArrowLeft', 'horizontal', 0, 3, 2], // wraps
    ['ArrowLeft', 'horizontal', 2, 3, 1],
    ['ArrowDown', 'vertical', 1, 8, 2],
    ['ArrowUp', 'vertical', 1, 8, 0],
    ['ArrowDown', 'horizontal', 1, 3, null], // not this group's axis: the page scrolls as usual
    ['ArrowRight', 'vertical', 1, 3, null],
    ['Home', 'vertical', 5, 8, 0],
    ['End', 'horizontal', 0, 4, 3],
    ['Enter', 'horizontal', 0, 4, null],
    ['ArrowRight', 'horizontal', 0, 0, null],
  ];
  for (const [key, axis, index, count, want] of cases) {
    it(`${key} ${axis} from ${index} of ${count}`, () => expect(nextIndex(key, axis, index, count)).toBe(want));
  }
});

describe('moveTarget', () => {
  it('moves within the list and not past its ends', () => {
    expect(moveTarget('ArrowUp', 1, 3)).toBe(0);
    expect(moveTarget('ArrowDown', 1, 3)).toBe(2);
    expect(moveTarget('ArrowUp', 0, 3)).toBeNull();
    expect(moveTarget('ArrowDown', 2, 3)).toBeNull();
    expect(moveTarget('Enter', 1, 3)).toBeNull();
  });
});
