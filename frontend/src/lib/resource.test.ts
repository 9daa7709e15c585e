import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { Resource } from './resource.svelte';

describe('Resource', () => {
  it('coalesces refreshes that arrive while a load runs into one more load', async () => {
    let calls = 0;
    const gates: (() => void)[] = [];
    const r = new Resource(
      () =>
        new Promise<number>((resolve) => {
          const n = ++calls;
          gates.push(() => resolve(n));
        }),
    );
    const first = r.refresh();
    expect(r.loading).toBe(true);
    void r.refresh();
    void r.refresh();
    void r.refresh();
    gates[0]();
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toBe(2); // three events during the first load cost one extra load, not three
    gates[1]();
    await first;
    expect(r.data).toBe(2);
    expect(r.loading).toBe(false);
  });

  it('keeps the last data on error and says when the API is not in this build', async () => {
    let fail: ApiError | null = null;
    const r = new Resource(async () => {
      if (fail) throw fail;
      return 'ok';
    });
    await r.refresh();
    fail = new ApiError(500, 'internal', 'boom');
    await r.refresh();
    expect(r.data).toBe('ok');
    expect(r.error?.message).toBe('boom');
    expect(r.notAvailable).toBe(false);
    fail = new ApiError(404, 'not_found', 'no such management route');
    await r.refresh();
    expect(r.notAvailable).toBe(true);
  });

  it('wraps non-API errors', async () => {
    const r = new Resource(async () => {
      throw new TypeError('bad');
    });
    await r.refresh();
    expect(r.error).toBeInstanceOf(ApiError);
    expect(r.error?.message).toBe('bad');
  });
});
