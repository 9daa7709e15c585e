// The desktop window's mode, in Chromium: the page gets its management token from the Wails binding
// (window.go.app.App.ManagementToken) and its events from window.runtime.EventsOn, both stood in for here by an
// init script, against a real `ninerouter serve`. No login screen, a Bearer header on every /api call, no cookie.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.mjs';
import { launch } from '../lib/browser.mjs';

const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

describe('desktop window mode', () => {
  let server;
  let browser;
  let page;
  let token;
  const apiCalls = [];
  const pageErrors = [];

  before(async () => {
    server = await startServer();
    // The CLI token is a management token the server accepts as Bearer, like the window's per-launch one.
    token = readFileSync(join(server.dataDir, 'cli-token'), 'utf8').trim();
    browser = await launch();
    page = await browser.context.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) apiCalls.push({ path: u.pathname, auth: r.headers().authorization });
    });
    await page.addInitScript((tok) => {
      const listeners = [];
      window.runtime = {
        EventsOn(name, cb) {
          listeners.push({ name, cb });
          return () => listeners.splice(listeners.findIndex((l) => l.cb === cb), 1);
        },
      };
      // Wails fills the bindings a moment after its runtime; the page must wait for them.
      setTimeout(() => {
        window.go = { app: { App: { ManagementToken: async () => tok } } };
      }, 50);
      // What the Go side's runtime.EventsEmit(ctx, "ninerouter:event", {kind}) would do.
      window.__emit = (ev) => listeners.filter((l) => l.name === 'ninerouter:event').forEach((l) => l.cb(ev));
      window.__listeners = () => listeners.map((l) => l.name);
    }, token);
  });

  after(async () => {
    await browser?.close();
    if (server) {
      const res = await server.stop();
      assert.equal(res.code, 0, `server exit: ${JSON.stringify(res)}\n${server.output()}`);
    }
  });

  test('opens straight on the Overview, with no login and no sign-out', async () => {
    await page.goto(`${server.url}/dashboard/`);
    await page.getByTestId('endpoint').waitFor();
    assert.equal(await page.getByTestId('endpoint').textContent(), `${server.url}/v1`);
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    assert.deepEqual(await page.evaluate(() => window.__listeners()), ['ninerouter:event']);
  });

  test('every /api call carries the Bearer token and no cookie is set', async () => {
    assert.ok(apiCalls.length > 0);
    for (const c of apiCalls) assert.equal(c.auth, `Bearer ${token}`, c.path);
    assert.ok(!apiCalls.some((c) => c.path === '/api/events'), 'the window does not use SSE');
    assert.deepEqual(await browser.context.cookies(server.url), []);
  });

  test('a runtime event redraws the page from state', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Combos', exact: true }).click();
    await page.getByText('No combos yet').waitFor();
    // Another view (the tray, the CLI) changes state; the window hears of it through the runtime event.
    const res = await fetch(`${server.url}/api/combos/from-tray`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ models: ['openai/gpt-4o-mini'] }),
    });
    assert.equal(res.status, 200, await res.text());
    await page.evaluate(() => window.__emit({ kind: 'combos' }));
    await page.getByRole('heading', { name: 'from-tray' }).waitFor();
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, 'window-combos.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  });

  test('no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
