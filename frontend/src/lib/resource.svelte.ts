// A piece of server state a page shows: loaded once, re-read when one of its event kinds arrives.

import { ApiError } from './api';

export class Resource<T> {
  data = $state<T | undefined>(undefined);
  error = $state<ApiError | null>(null);
  loading = $state(false);

  private running = false;
  private again = false;

  constructor(private readonly load: () => Promise<T>) {}

  /** The API for this resource does not exist in this build yet. */
  get notAvailable(): boolean {
    return this.error?.notAvailable ?? false;
  }

  /** Re-reads; calls that arrive while a read is running coalesce into one more read. */
  async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.loading = true;
    try {
      do {
        this.again = false;
        try {
          this.data = await this.load();
          this.error = null;
        } catch (e) {
          this.error = e instanceof ApiError ? e : new ApiError(0, 'client', (e as Error).message);
        }
      } while (this.again);
    } finally {
      this.running = false;
      this.loading = false;
    }
  }
}
