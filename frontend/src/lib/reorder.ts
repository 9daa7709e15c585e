// List reordering for drag-and-drop and the keyboard's move up/down buttons.

/** Returns a copy of list with the item at from moved to index to (clamped). */
export function move<T>(list: readonly T[], from: number, to: number): T[] {
  const out = list.slice();
  if (from < 0 || from >= out.length) return out;
  const dest = Math.max(0, Math.min(out.length - 1, to));
  const [item] = out.splice(from, 1);
  out.splice(dest, 0, item);
  return out;
}
