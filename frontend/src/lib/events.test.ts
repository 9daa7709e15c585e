import { describe, expect, it, vi } from 'vitest';
import { Hub, connectSSE, connectWindow, kindOf, kinds, type EventSourceLike } from './events';

describe('kindOf', () => {
  it.each([
    ['status', 'status'],
    [{ kind: 'combos', data: { x: 1 } }, 'combos'],
    ['{"kind":"usage"}', 'usage'],
    ['show-window', null],
    [{ kind: 'nope' }, null],
    ['{broken', null],
    [undefined, null],
    [42, null],
  ])('%j -> %s', (input, want) => {
    expect(kindOf(input)).toBe(want);
  });
});

describe('Hub', () => {
  it('delivers to listeners of that kind and to wildcard listeners, until unsubscribed', () => {
    const hub = new Hub();
    const combos = vi.fn();
    const all = vi.fn();
    const off = hub.on(['combos', 'accounts'], combos);
    hub.on('*', all);
    hub.emit('combos');
    hub.emit('usage');
    expect(combos).toHaveBeenCalledTimes(1);
    expect(all).toHaveBeenCalledTimes(2);
    off();
    hub.emit('accounts');
    expect(combos).toHaveBeenCalledTimes(1);
  });
});

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  listeners = new Map<string, (ev: MessageEvent) => void>();
  closed = false;
  url = '';
  addEventListener(type: string, fn: (ev: MessageEvent) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
  }
  fire(type: string) {
    this.listeners.get(type)?.(new MessageEvent(type, { data: '{}' }));
  }
}

describe('connectSSE', () => {
  it('subscribes to /api/events, forwards named events, and refreshes everything after a reconnect', () => {
    const hub = new Hub();
    const seen: string[] = [];
    hub.on('*', (k) => seen.push(k));
    const src = new FakeSource();
    const onOpen = vi.fn();
    const onClosed = vi.fn();
    const onRetrying = vi.fn();
    const stop = connectSSE(hub, { onOpen, onClosed, onRetrying }, (url) => {
      src.url = url;
      return src;
    });
    expect(src.url).toBe('/api/events');
    src.onopen!(new Event('open'));
    expect(seen).toEqual([]); // the first open needs no refresh
    src.fire('accounts');
    expect(seen).toEqual(['accounts']);
    src.onerror!(new Event('error')); // still CONNECTING: the browser retries
    expect(onClosed).not.toHaveBeenCalled();
    expect(onRetrying).toHaveBeenCalledOnce();
    src.onopen!(new Event('open'));
    expect(seen.length).toBe(1 + kinds.length); // every kind re-read after the reconnect
    src.readyState = 2;
    src.onerror!(new Event('error'));
    expect(onClosed).toHaveBeenCalledOnce();
    stop();
    expect(src.closed).toBe(true);
  });
});

describe('connectWindow', () => {
  it('listens on the Wails runtime and unsubscribes', () => {
    const hub = new Hub();
    const got = vi.fn();
    hub.on(['tools'], got);
    let cb: ((...d: unknown[]) => void) | undefined;
    const off = vi.fn();
    const stop = connectWindow(
      {
        runtime: {
          EventsOn: (name, fn) => {
            expect(name).toBe('ninerouter:event');
            cb = fn;
            return off;
          },
        },
      },
      hub,
    );
    cb!({ kind: 'tools' });
    expect(got).toHaveBeenCalledOnce();
    stop();
    expect(off).toHaveBeenCalledOnce();
  });

  it('is harmless without a runtime', () => {
    expect(() => connectWindow({}, new Hub())()).not.toThrow();
  });
});
