// Hash routing (#/providers): works unchanged at / in the window and at /dashboard/ in a browser, with no
// server-side route table to keep in sync.

export interface Page {
  path: string;
  title: string;
}

export const pages: readonly Page[] = [
  { path: '/', title: 'Overview' },
  { path: '/providers', title: 'Providers' },
  { path: '/combos', title: 'Combos' },
  { path: '/quota', title: 'Quota' },
  { path: '/tools', title: 'CLI Tools' },
  { path: '/keys', title: 'Keys' },
  { path: '/usage', title: 'Usage' },
  { path: '/logs', title: 'Logs' },
  { path: '/settings', title: 'Settings' },
];

/** Maps a location hash to a page path ("/" for none); an unknown path is returned as it is (not found). */
export function pathFromHash(hash: string): string {
  let p = hash.replace(/^#/, '').split('?')[0] || '/';
  if (!p.startsWith('/')) p = '/' + p;
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p;
}

/** Whether path is one of the pages. */
export function known(path: string): boolean {
  return pages.some((pg) => pg.path === path);
}

export function href(path: string): string {
  return '#' + path;
}

/** The current route, kept in step with location.hash. */
export class Router {
  path = $state('/');

  constructor(private readonly win: Window) {
    this.path = pathFromHash(win.location.hash);
  }

  /** Starts following hashchange; returns the stop function. */
  start(): () => void {
    const sync = () => {
      this.path = pathFromHash(this.win.location.hash);
    };
    this.win.addEventListener('hashchange', sync);
    return () => this.win.removeEventListener('hashchange', sync);
  }

  get title(): string {
    return pages.find((p) => p.path === this.path)?.title ?? 'Page not found';
  }
}
