import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { Busy } from './busy.svelte';

describe('Busy', () => {
  it('names the running action, then clears it; a failure is reported, not thrown', async () => {
    const failures: string[] = [];
    const busy = new Busy((m) => failures.push(m));
    let release = () => {};
    const running = busy.run('test', () => new Promise<void>((r) => (release = r)));
    expect(busy.what).toBe('test');
    release();
    await running;
    expect(busy.what).toBe(null);
    await busy.run('toggle', () => Promise.reject(new ApiError(409, 'in_use', 'the combo is in use')));
    expect(busy.what).toBe(null);
    expect(failures).toHaveLength(1);
  });
});
