// What every page needs, handed down through Svelte context rather than module globals.

import { getContext, setContext } from 'svelte';
import type { Api } from './api';
import type { Hub } from './events';

export interface AppContext {
  api: Api;
  hub: Hub;
  /** Shows a short message in the live region (screen readers announce it). */
  notify: (msg: string, kind?: 'ok' | 'error') => void;
}

const key = Symbol('ninerouter');

export function provide(ctx: AppContext): void {
  setContext(key, ctx);
}

export function app(): AppContext {
  const ctx = getContext<AppContext | undefined>(key);
  if (!ctx) throw new Error('no app context');
  return ctx;
}
