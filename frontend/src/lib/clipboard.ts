// Copy to the clipboard from both the desktop window and a browser.

import type { DesktopWindow } from './api';

export async function copyText(text: string, win: DesktopWindow & Partial<Window> = window): Promise<boolean> {
  // The desktop webview may not grant navigator.clipboard; the app's binding (then the Wails runtime) can.
  const bound = win.go?.app?.App?.CopyText;
  if (bound) {
    try {
      await bound(text);
      return true;
    } catch {
      /* fall through */
    }
  }
  if (win.runtime?.ClipboardSetText) {
    try {
      if (await win.runtime.ClipboardSetText(text)) return true;
    } catch {
      /* fall through */
    }
  }
  try {
    if (win.navigator?.clipboard) {
      await win.navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through */
  }
  // Last resort for contexts without the async clipboard API.
  const doc = win.document;
  if (!doc) return false;
  const ta = doc.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  doc.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = doc.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}
