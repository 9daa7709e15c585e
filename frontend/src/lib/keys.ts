// Keyboard movement inside a group of controls (the page list, a row of toggle buttons): arrow keys move the
// focus to the previous or next control, Home and End to the first and last. Tab still enters and leaves the
// group as usual, so nothing is lost for people who only use Tab.

export type Axis = 'horizontal' | 'vertical';

/** The index the focus moves to for key, or null when the key is not ours (it then does what it always does). */
export function nextIndex(key: string, axis: Axis, index: number, count: number): number | null {
  if (count === 0) return null;
  const back = axis === 'vertical' ? 'ArrowUp' : 'ArrowLeft';
  const forward = axis === 'vertical' ? 'ArrowDown' : 'ArrowRight';
  switch (key) {
    case back:
      return index <= 0 ? count - 1 : index - 1;
    case forward:
      return index < 0 || index >= count - 1 ? 0 : index + 1;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
  }
  return null;
}

const focusable = 'a[href], button:not([disabled])';

/** Svelte action: arrow keys move the focus among the links and enabled buttons inside node. */
export function arrowFocus(node: HTMLElement, axis: Axis = 'horizontal') {
  function onKey(e: KeyboardEvent) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const items = Array.from(node.querySelectorAll<HTMLElement>(focusable));
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return;
    const to = nextIndex(e.key, axis, at, items.length);
    if (to === null) return;
    e.preventDefault();
    items[to].focus();
  }
  node.addEventListener('keydown', onKey);
  return {
    update(next: Axis) {
      axis = next;
    },
    destroy() {
      node.removeEventListener('keydown', onKey);
    },
  };
}

/** The row index an arrow key moves an entry to (ArrowUp/ArrowDown on its move buttons), or null. */
export function moveTarget(key: string, index: number, count: number): number | null {
  const to = key === 'ArrowUp' ? index - 1 : key === 'ArrowDown' ? index + 1 : null;
  return to === null || to < 0 || to >= count ? null : to;
}

/** A keydown on an entry's move button: the row ArrowUp/ArrowDown moves it to (the key's default prevented), or null. */
export function moveKey(e: KeyboardEvent, index: number, count: number): number | null {
  if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return null;
  e.preventDefault();
  return moveTarget(e.key, index, count);
}

/**
 * After an entry moved to row `to` of an ordered list, puts the focus on that row's move button for the same
 * direction ([data-move="up"|"down"]), or on its other one when the entry reached an end: the focus follows the
 * entry, so pressing the key again moves it further.
 */
export function focusMoved(rows: Element | undefined, to: number, dir: 'up' | 'down'): void {
  const row = rows?.children[to];
  const want = row?.querySelector<HTMLButtonElement>(`[data-move="${dir}"]`);
  const other = row?.querySelector<HTMLButtonElement>(`[data-move="${dir === 'up' ? 'down' : 'up'}"]`);
  (want && !want.disabled ? want : other)?.focus();
}
