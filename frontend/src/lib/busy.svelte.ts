// One action at a time on a card or page: which one is running (its button says so, the others are disabled),
// and a failure reported once, as a notice.

import { plain } from './errors.svelte';

export class Busy {
  /** What is running, or null. */
  what = $state<string | null>(null);

  constructor(private readonly fail: (message: string) => void) {}

  /** Runs fn as the action what; a failure goes to fail and is not thrown. */
  async run(what: string, fn: () => Promise<unknown>): Promise<void> {
    this.what = what;
    try {
      await fn();
    } catch (err) {
      this.fail(plain(err));
    } finally {
      this.what = null;
    }
  }
}
