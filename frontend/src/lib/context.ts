// What every page needs, handed down through Svelte context rather than module globals.

import { getContext, setContext } from 'svelte';
import type { Api } from './api';
import type { Hub } from './events';

/** A question for the user in a modal dialog: the choice's id, or null when cancelled. */
export interface Ask {
  title: string;
  /** Plain text paragraphs. */
  body: string | string[];
  /** Items listed under the body (e.g. what uses the thing deleted). */
  items?: string[];
  /** Two things side by side (e.g. the combo there now and the one about to replace it). */
  compare?: { label: string; text: string }[];
  choices: { id: string; label: string; kind?: 'primary' | 'danger' }[];
  cancelLabel?: string;
}

export interface AppContext {
  api: Api;
  hub: Hub;
  /** Shows a short message in the live region (screen readers announce it). */
  notify: (msg: string, kind?: 'ok' | 'error') => void;
  /** Asks the user in a modal dialog; resolves to the chosen id or null. */
  ask: (q: Ask) => Promise<string | null>;
  /** Whether the live connection to NineRouter is up (false: what pages show may be out of date). */
  connected: () => boolean;
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
