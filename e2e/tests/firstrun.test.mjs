// End-to-end, issue 13: from a fresh data dir to a working answer in three clicks on the Overview, the
// silent-loss guards, the Logs filters and export, a restart that keeps the dashboard signed in, and a
// screenshot of every page in both themes (docs/screenshots/ and test-results/).
//   NINEROUTER_BIN=/tmp/ninerouter-headless npm test
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.mjs';
import { endSession, startSession } from '../lib/session.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = resolve(here, '..', 'test-results');
const docsDir = resolve(here, '..', '..', 'docs', 'screenshots');
const password = 'correct horse battery';
const pages = [
  ['Overview', 'overview'],
  ['Providers', 'providers'],
  ['Combos', 'combos'],
  ['Quota', 'quota'],
  ['CLI Tools', 'tools'],
  ['Keys', 'keys'],
  ['Usage', 'usage'],
  ['Logs', 'logs'],
  ['Settings', 'settings'],
];

describe('first launch to a working request, and nothing lost silently', () => {
  let server;
  let browser;
  let page;
  let upstream;
  let home;
  const pageErrors = [];

  const nav = (title) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click();
  const shot = async (name, { docs = false, fullPage = true } = {}) => {
    mkdirSync(resultsDir, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    const file = join(resultsDir, name);
    await page.screenshot({ path: file, fullPage });
    if (docs) {
      mkdirSync(docsDir, { recursive: true });
      copyFileSync(file, join(docsDir, name));
    }
    console.log(`screenshot: ${file}`);
  };
  const ask = (name) => page.getByRole('dialog', { name });

  before(async () => {
    ({ upstream, home, server, browser, page } = await startSession({
      pageErrors,
      // A Claude Code config on this "machine": the getting-started path finds the tool.
      claudeSettings: '{\n  "env": { "DISABLE_TELEMETRY": "1" }\n}\n',
      setupHome: (home) => {
        // A 9Router setup on this "machine" (the shared sample): the first step offers to bring it along.
        mkdirSync(join(home, '.9router', 'db'), { recursive: true });
        copyFileSync(resolve(here, '..', '..', 'backend', 'importer', 'testdata', '9router-0.5.69', 'db', 'data.sqlite'), join(home, '.9router', 'db', 'data.sqlite'));
      },
      timeout: 15000,
      // 401/404/409 are answers the UI handles; a dropped connection is what the restart test causes.
      consoleAllowed: /status of 40[149] |ERR_CONNECTION_REFUSED|net::ERR_/,
    }));
  });

  after(() => endSession({ browser, upstream, home, server }));

  test('first run: set the password, land on Getting started', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Repeat the password').fill(password);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    const guide = page.getByTestId('getting-started');
    await guide.waitFor();
    for (const step of ['provider', 'combo', 'tools']) {
      assert.match(await page.getByTestId(`step-${step}`).textContent(), /not done/);
    }
    const offer = page.getByTestId('import-offer').filter({ hasText: '9Router found at' });
    await offer.waitFor();
    assert.match(await offer.textContent(), /\.9router/);
    await shot('first-run.png', { docs: true });
  });

  test('three clicks and the test button give a working answer', async () => {
    // Click 1: connect the mock upstream as an OpenAI-compatible endpoint.
    await page.getByLabel('Provider', { exact: true }).selectOption({ label: 'Any OpenAI- or Anthropic-compatible endpoint' });
    await page.locator('#gs-key').fill('sk-e2e-mock');
    await page.getByLabel('Base URL').fill(`${upstream.url}/v1`);
    await page.getByLabel('Prefix').fill('mock');
    await page.getByLabel(/^Models/).fill('m1');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByTestId('step-provider').filter({ hasText: '(done)' }).waitFor();
    // Click 2: a combo from the connected models, made active.
    await page.getByRole('button', { name: /Create the combo “default” \(mock\/m1\) and make it active/ }).click();
    await page.getByTestId('step-combo').filter({ hasText: '(done)' }).waitFor();
    // Click 3: the Claude Code found on this machine uses NineRouter.
    await page.getByRole('button', { name: 'Set up Claude Code' }).click();
    await page.getByTestId('step-tools').filter({ hasText: '(done)' }).waitFor();
    const claude = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
    assert.equal(claude.env.ANTHROPIC_BASE_URL, server.url);
    assert.equal(claude.env.DISABLE_TELEMETRY, '1');
    // The test button: the whole chain, and the answer shown.
    await page.getByRole('button', { name: 'Send a test request' }).click();
    const result = page.getByTestId('test-result');
    await result.filter({ hasText: 'It works.' }).waitFor();
    assert.match(await result.textContent(), /pong/);
    assert.equal(upstream.received.at(-1).body.model, 'm1');
    assert.equal(upstream.received.at(-1).headers.authorization, 'Bearer sk-e2e-mock');
    // The Overview shows it happening: the serving account and the request in the live feed.
    await page.getByTestId('serving-account').filter({ hasText: 'mock' }).waitFor();
    // The usage row lands a moment after the answer; the feed redraws on the usage event.
    const row = page.getByTestId('feed-row').filter({ hasText: /ninerouter\/active[\s\S]*mock\/m1[\s\S]*ok/ });
    await row.waitFor();
    await shot('overview-after-first-request.png', { docs: true });
  });

  test('a combo or alias under a taken name refuses, shows both, and replaces only when asked', async () => {
    await nav('Combos');
    await page.getByLabel('Name', { exact: true }).fill('default');
    await page.getByLabel('Models, in order').fill('mock/m2');
    await page.getByRole('button', { name: 'Create combo' }).click();
    const dlg = ask(/already exists/);
    await dlg.getByText('There now', { exact: true }).waitFor();
    assert.match(await dlg.textContent(), /mock\/m1[\s\S]*Yours[\s\S]*mock\/m2/);
    await dlg.getByRole('button', { name: 'Keep the one there' }).click();
    await page.getByRole('alert').filter({ hasText: 'default is taken' }).waitFor();
    let saved = (await (await page.request.get(`${server.url}/api/combos`)).json()).combos.find((c) => c.name === 'default');
    assert.deepEqual(saved.entries.map((e) => e.model), ['mock/m1'], 'kept: nothing overwritten');
    // Alias: the same guard.
    await page.getByLabel('Alias', { exact: true }).fill('fast');
    await page.getByLabel('Model it stands for').fill('mock/m1');
    await page.getByRole('button', { name: 'Save alias' }).click();
    await page.getByRole('button', { name: 'Remove the alias fast' }).waitFor();
    await page.getByLabel('Alias', { exact: true }).fill('fast');
    await page.getByLabel('Model it stands for').fill('default');
    await page.getByRole('button', { name: 'Save alias' }).click();
    await ask(/already exists/).getByRole('button', { name: 'Keep the one there' }).click();
    assert.deepEqual(await (await page.request.get(`${server.url}/api/aliases`)).json(), { fast: 'mock/m1' });
    // Replace, when chosen, replaces.
    await page.getByLabel('Name', { exact: true }).fill('default');
    await page.getByLabel('Models, in order').fill('mock/m1\nmock/m2');
    await page.getByRole('button', { name: 'Create combo' }).click();
    await ask(/already exists/).getByRole('button', { name: 'Replace it' }).click();
    await page.getByRole('status').filter({ hasText: 'Replaced default.' }).waitFor();
    saved = (await (await page.request.get(`${server.url}/api/combos`)).json()).combos.find((c) => c.name === 'default');
    assert.deepEqual(saved.entries.map((e) => e.model), ['mock/m1', 'mock/m2']);
  });

  test('deleting what a combo, an alias or the active combo uses names them; the user chooses', async () => {
    await nav('Providers');
    const card = page.getByTestId('provider').filter({ has: page.getByRole('heading', { name: 'mock' }) });
    // The custom node shows its wire format and models.
    const facts = await card.getByTestId('node-facts').textContent();
    assert.match(facts, /OpenAI chat completions/);
    assert.match(facts, /mock\/m1/);
    await card.getByRole('button', { name: 'Delete node' }).click();
    await ask('Delete the node mock/?').getByRole('button', { name: 'Delete the node' }).click();
    const inUse = ask('The node mock/ is in use');
    await inUse.waitFor();
    const text = await inUse.textContent();
    assert.match(text, /combo default \(the active combo\): its entry mock\/m1/);
    assert.match(text, /alias fast → mock\/m1/);
    await shot('delete-in-use.png', { docs: true });
    await inUse.getByRole('button', { name: 'Keep it' }).click();
    assert.equal((await (await page.request.get(`${server.url}/api/nodes`)).json()).length, 1, 'the node is kept');
    // The active combo itself, from the Combos page.
    await nav('Combos');
    const combo = page.getByTestId('combo').filter({ has: page.getByRole('heading', { name: 'default' }) });
    await combo.getByRole('button', { name: 'Delete' }).click();
    await ask('Delete the combo default?').getByRole('button', { name: 'Delete' }).click();
    const active = ask('The combo default is in use');
    await active.getByText(/active combo/).first().waitFor();
    await active.getByRole('button', { name: 'Keep it' }).click();
    assert.equal((await (await page.request.get(`${server.url}/api/combos`)).json()).active, 'default');
  });

  test('revoking the key a configured tool uses says which tool stops working', async () => {
    await nav('Keys');
    const row = page.getByRole('row').filter({ hasText: 'Claude Code' });
    await row.waitFor();
    // The row names the tool that sends the key once the tool list has loaded.
    await row.getByRole('cell', { name: 'Claude Code', exact: true }).waitFor();
    await row.getByRole('button', { name: /^Revoke/ }).click();
    const dlg = ask(/^Revoke the key/);
    assert.match(await dlg.textContent(), /Claude Code sends this key/);
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await row.getByText('active', { exact: true }).waitFor();
  });

  test('Logs: one row per request with its attempts, filters, search and export', async () => {
    // A request straight to the model, with a key of its own, besides the test button's.
    const key = (await (await page.request.post(`${server.url}/api/keys`, { data: { name: 'script' } })).json()).key;
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'mock/m1', messages: [{ role: 'user', content: 'ping' }] }),
    });
    assert.equal(res.status, 200);
    await nav('Logs');
    const rows = page.getByTestId('log-row');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.match(await page.getByTestId('log-count').textContent(), /2 requests, 2 attempts/);
    const rep = await (await page.request.get(`${server.url}/api/usage?since=24h`)).json();
    assert.deepEqual([rep.total.requests, rep.total.attempts], [2, 2], 'Usage counts the same requests and attempts');
    // Account names, not ids; latencies in ms (the mock answers in well under a second).
    assert.match(await rows.first().textContent(), /mock\/m1[\s\S]*mock[\s\S]*(<1 ms|\d+ ms)/);
    await page.getByLabel('Model').selectOption('ninerouter/active');
    await rows.nth(1).waitFor({ state: 'detached' });
    assert.match(await rows.first().textContent(), /ninerouter\/active/);
    await page.getByLabel('Model').selectOption('');
    await page.getByLabel('Key').selectOption({ label: 'script' });
    assert.equal(await rows.count(), 1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Result').selectOption('error');
    await page.getByText('No request matches these filters.').waitFor();
    await page.getByLabel('Result').selectOption('');
    await page.getByLabel('Search').fill('no-such-thing');
    await page.getByText('No request matches these filters.').waitFor();
    await page.getByLabel('Search').fill('');
    // The attempts of a request, nested.
    await rows.first().getByRole('button').click();
    await page.getByRole('list', { name: 'Attempts, in order' }).first().waitFor();
    // Export what is shown.
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSONL' }).click()]);
    const lines = readFileSync(await jsonl.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.request_id && l.account === 'mock' && l.outcome === 'ok'), JSON.stringify(lines));
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvText = readFileSync(await csv.path(), 'utf8');
    assert.match(csvText.split('\r\n')[0], /^request_id,attempt,time,requested/);
    assert.equal(csvText.trim().split('\r\n').length, 3);
  });

  test('an unknown route shows a not-found page', async () => {
    await page.goto(`${server.url}/dashboard/#/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('endpoint').waitFor();
  });

  // A layout that fits: the page does not scroll sideways and no control starts or ends outside the window
  // (a control inside a region that scrolls by itself, like a diff, counts where that region is).
  const layoutProblems = () =>
    page.evaluate(() => {
      const out = [];
      const cw = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > cw) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${cw} px)`);
      for (const el of document.querySelectorAll('main button, main input, main select, main textarea, main a[href], nav a[href], nav button')) {
        if (el.closest('.visually-hidden')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        const name = (el.getAttribute('aria-label') || el.textContent || el.id || el.tagName).trim().replace(/\s+/g, ' ').slice(0, 40);
        if (r.left < -1 || r.right > cw + 1) out.push(`${el.tagName.toLowerCase()} "${name}" spans ${Math.round(r.left)}–${Math.round(r.right)} px of ${cw}`);
      }
      return out;
    });

  test('every page in both themes at 1280×800 and 900×700: nothing scrolls sideways or is cut off', async () => {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [width, height] of [
        [1280, 800],
        [900, 700],
      ]) {
        await page.setViewportSize({ width, height });
        for (const [title, file] of pages) {
          await nav(title);
          await page.getByRole('heading', { name: title, level: 1 }).waitFor();
          await page.waitForLoadState('networkidle');
          assert.deepEqual(await layoutProblems(), [], `${title} at ${width}×${height} (${scheme})`);
          if (width === 1280) await shot(`${file}-${scheme}.png`, { docs: true });
          // At 900 px: every page in light for docs/, and the two busiest (Logs, Overview) in dark as well.
          else await shot(`${file}-900-${scheme}.png`, { docs: scheme === 'light' || file === 'logs' || file === 'overview' });
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('a restart keeps the dashboard signed in; the lost connection shows meanwhile', async () => {
    await nav('Overview');
    await page.getByText('Live', { exact: true }).waitFor();
    const { port, dataDir } = server;
    const res = await server.stop({ keepData: true });
    assert.equal(res.code, 0);
    await page.getByTestId('connection-lost').waitFor();
    await shot('connection-lost.png', { docs: true });
    server = await startServer({ home, dataDir, port });
    // The live stream reconnects by itself; no sign-in page on the way.
    await page.getByTestId('connection-lost').waitFor({ state: 'detached', timeout: 30000 });
    await page.reload();
    await page.getByTestId('endpoint').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Sign in' }).count(), 0);
  });

  test('Uninstall asks in the app\'s own dialog, naming what it undoes; Escape keeps everything', async () => {
    const nativeDialogs = [];
    const onDialog = (d) => {
      nativeDialogs.push(d.message());
      void d.dismiss();
    };
    page.on('dialog', onDialog);
    const settingsFile = join(home, '.claude', 'settings.json');
    const applied = readFileSync(settingsFile, 'utf8');
    await nav('Settings');
    const button = page.getByRole('button', { name: 'Uninstall NineRouter…' });
    await button.click();
    const dlg = ask('Uninstall NineRouter?');
    await dlg.waitFor();
    const text = await dlg.textContent();
    assert.match(text, /Claude Code: its config goes back to your original/);
    assert.match(text, /ninerouter uninstall --purge/);
    assert.ok(text.includes(server.dataDir), `the dialog names the data dir ${server.dataDir}: ${text}`);
    await shot('uninstall-confirm.png', { docs: true, fullPage: false }); // a modal: the viewport is what shows
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'hidden' });
    assert.equal(readFileSync(settingsFile, 'utf8'), applied, 'cancelled: nothing reverted');
    await button.click();
    await ask('Uninstall NineRouter?').getByRole('button', { name: 'Uninstall', exact: true }).click();
    await page.getByText(/Reverted 1 tool config/).waitFor();
    assert.equal(readFileSync(settingsFile, 'utf8'), '{\n  "env": { "DISABLE_TELEMETRY": "1" }\n}\n', 'byte-identical to the original');
    page.off('dialog', onDialog);
    assert.deepEqual(nativeDialogs, [], 'no window.confirm/alert');
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
