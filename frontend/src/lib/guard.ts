// Nothing lost silently: deletes that the server refuses because something uses the thing (409 in_use) ask
// the user whether to remove those references too; creates under a taken name (409 exists) ask whether to
// replace, showing both.

import { ApiError, type Api } from './api';
import type { Ask } from './context';
import type { Reference } from './types';

/** One reference in words: "combo coding (active): entry mock/m1", "alias fast → mock/m1". */
export function describeRef(r: Reference): string {
  if (r.kind === 'alias') return `alias ${r.name} → ${r.model ?? ''}`;
  return `combo ${r.name}${r.active ? ' (the active combo)' : ''}${r.model ? `: its entry ${r.model}` : ''}`;
}

/** Text of an existing combo or alias for the side-by-side view. */
export function describeExisting(v: unknown): string {
  const o = (v ?? {}) as { name?: string; target?: string; strategy?: string; entries?: { model: string }[] };
  if (typeof o.target === 'string') return `alias ${o.name} → ${o.target}`;
  if (Array.isArray(o.entries)) return `${o.strategy ?? 'fallback'}:\n${o.entries.map((e, i) => `${i + 1}. ${e.model}`).join('\n')}`;
  return JSON.stringify(v, null, 2);
}

/**
 * DELETE url; when the server answers 409 in_use, asks whether to remove the references too and retries with
 * ?cascade=true. Returns true when deleted, false when the user kept it. Other errors are thrown.
 */
export async function removeGuarded(api: Api, ask: (q: Ask) => Promise<string | null>, url: string, what: string): Promise<boolean> {
  try {
    await api.del(url);
    return true;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409 || err.code !== 'in_use') throw err;
    const refs = (err.details.references as Reference[] | undefined) ?? [];
    const choice = await ask({
      title: `${what} is in use`,
      body: refs.length
        ? ['These use it and would refer to something missing:', ]
        : [err.message],
      items: refs.map(describeRef),
      choices: [{ id: 'cascade', label: refs.length ? 'Delete it and remove these references' : 'Delete it anyway', kind: 'danger' }],
      cancelLabel: 'Keep it',
    });
    if (choice !== 'cascade') return false;
    await api.del(url + (url.includes('?') ? '&' : '?') + 'cascade=true');
    return true;
  }
}

/**
 * POST create; when the name is taken (409 exists), shows what is there and what would replace it and, if
 * the user chooses, calls replace(). Returns 'created', 'replaced' or 'kept'. Other errors are thrown.
 */
export async function createGuarded(
  ask: (q: Ask) => Promise<string | null>,
  create: () => Promise<unknown>,
  replace: () => Promise<unknown>,
  what: string,
  proposed: string,
): Promise<'created' | 'replaced' | 'kept'> {
  try {
    await create();
    return 'created';
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409 || err.code !== 'exists') throw err;
    const existing = err.details.existing;
    const sameKind = !!existing && typeof existing === 'object' && ('target' in existing) === proposed.startsWith('alias ');
    const choice = await ask({
      title: `${what} already exists`,
      body: sameKind
        ? ['Replace it with yours? The one there now is lost.']
        : [`${err.message.replace(/; choose another name, or replace it$/, '')}. Choose another name.`],
      compare: [
        { label: 'There now', text: describeExisting(existing) },
        { label: 'Yours', text: proposed },
      ],
      choices: sameKind ? [{ id: 'replace', label: 'Replace it', kind: 'danger' }] : [],
      cancelLabel: sameKind ? 'Keep the one there' : 'OK',
    });
    if (choice !== 'replace') return 'kept';
    await replace();
    return 'replaced';
  }
}
