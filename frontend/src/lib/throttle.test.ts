import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle';

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns a burst into one call at once and one after the interval', () => {
    const fn = vi.fn();
    const t = throttle(fn, 5000);
    for (let i = 0; i < 100; i++) t();
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 100; i++) t();
    vi.advanceTimersByTime(4000);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('cancel drops the pending call', () => {
    const fn = vi.fn();
    const t = throttle(fn, 5000);
    t();
    t.cancel();
    vi.advanceTimersByTime(10000);
    expect(fn).not.toHaveBeenCalled();
  });
});
