// Live updates from the backend's event bus. Views redraw from state when an event names what changed; they
// never poll. In the desktop window events arrive through the Wails runtime; in a browser through Server-Sent
// Events at /api/events (event name = kind).

import type { DesktopWindow } from './api';

export const kinds = ['status', 'accounts', 'combos', 'keys', 'usage', 'tools', 'settings', 'update', 'quota'] as const;
export type Kind = (typeof kinds)[number];

export const windowEventName = 'ninerouter:event';

type Listener = (kind: Kind) => void;

/** Hub fans backend events out to the pages that care about them. */
export class Hub {
  private listeners = new Map<Kind | '*', Set<Listener>>();

  /** Calls fn whenever one of the kinds arrives; returns the unsubscribe function. */
  on(which: readonly Kind[] | '*', fn: Listener): () => void {
    const keys = which === '*' ? (['*'] as const) : which;
    for (const k of keys) {
      let set = this.listeners.get(k);
      if (!set) this.listeners.set(k, (set = new Set()));
      set.add(fn);
    }
    return () => {
      for (const k of keys) this.listeners.get(k)?.delete(fn);
    };
  }

  emit(kind: Kind): void {
    for (const fn of [...(this.listeners.get(kind) ?? []), ...(this.listeners.get('*') ?? [])]) fn(kind);
  }

  /** After a reconnect events may have been missed: tell everyone to re-read. */
  emitAll(): void {
    for (const k of kinds) this.emit(k);
  }
}

/** kindOf extracts the kind from whatever the source delivered: "status", {kind: "status"} or a JSON string. */
export function kindOf(payload: unknown): Kind | null {
  let v = payload;
  if (typeof v === 'string' && v.startsWith('{')) {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (v && typeof v === 'object' && 'kind' in v) v = (v as { kind: unknown }).kind;
  return typeof v === 'string' && (kinds as readonly string[]).includes(v) ? (v as Kind) : null;
}

export interface SourceCallbacks {
  /** Connected (again): state may have changed while disconnected. */
  onOpen?: () => void;
  /** The stream dropped and the browser is reconnecting (server restarting, network down). */
  onRetrying?: () => void;
  /** The stream ended for good (e.g. 401 after the session ended). */
  onClosed?: () => void;
}

/** Minimal EventSource surface, so tests can pass a fake. */
export interface EventSourceLike {
  readyState: number;
  addEventListener(type: string, fn: (ev: MessageEvent) => void): void;
  close(): void;
  onopen: ((ev: Event) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

/** Connects the hub to the desktop runtime's events. Returns the disconnect function. */
export function connectWindow(win: DesktopWindow, hub: Hub): () => void {
  const off = win.runtime?.EventsOn?.(windowEventName, (...data: unknown[]) => {
    const k = kindOf(data[0]);
    if (k) hub.emit(k);
  });
  return typeof off === 'function' ? off : () => {};
}

/** Connects the hub to the server's SSE stream. Returns the disconnect function. */
export function connectSSE(
  hub: Hub,
  cb: SourceCallbacks = {},
  open: (url: string) => EventSourceLike = (url) => new EventSource(url) as unknown as EventSourceLike,
): () => void {
  const es = open('/api/events');
  let opened = false;
  for (const k of kinds) es.addEventListener(k, () => hub.emit(k));
  es.onopen = () => {
    // The first open needs no refresh (pages load on mount); a reopen after a drop does.
    if (opened) hub.emitAll();
    opened = true;
    cb.onOpen?.();
  };
  es.onerror = () => {
    // The browser retries by itself while readyState is CONNECTING (0); CLOSED (2) is final.
    if (es.readyState === 2) cb.onClosed?.();
    else cb.onRetrying?.();
  };
  return () => es.close();
}
