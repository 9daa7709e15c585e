// End-to-end: a real `ninerouter serve` and headless Chromium, through the dashboard as a user would use it.
//   NINEROUTER_BIN=/tmp/ninerouter-headless npm test
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endSession, startSession } from '../lib/session.mjs';

const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
const password = 'correct horse battery';
// A Claude Code settings file with the things users keep in it; apply then revert must give back these bytes.
const claudeSettings = `{
  "permissions": {
    "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
    "deny": ["Read(./.env)"]
  },
  "hooks": {
    "PostToolUse": [
      { "matcher": "Edit|Write", "hooks": [{ "type": "command", "command": "npx prettier --write \\"$FILE\\"" }] }
    ]
  },
  "statusLine": { "type": "command", "command": "~/.claude/statusline.sh" },
  "env": { "DISABLE_TELEMETRY": "1" },
  "includeCoAuthoredBy": false
}
`;
const navTitles = ['Overview', 'Providers', 'Combos', 'Quota', 'CLI Tools', 'Keys', 'Usage', 'Logs', 'Settings'];

describe('web dashboard', () => {
  let server;
  let browser;
  let page;
  let upstream;
  let clientKey;
  let home;
  const pageErrors = [];
  const apiRequests = [];

  const nav = (title) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click();
  const shot = async (name) => {
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, name);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky sidebar would follow the scroll position
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  };

  before(async () => {
    ({ upstream, home, server, browser, page } = await startSession({
      pageErrors,
      claudeSettings,
      timeout: 10000,
      // 401 (signed out) and 404 (an API not in this build yet) are answers the UI handles; the responses
      // themselves are checked below. Anything else logged as an error (CSP violations included) fails.
      consoleAllowed: /status of 40[14] /,
    }));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) apiRequests.push({ at: Date.now(), path: u.pathname });
    });
    page.on('response', (r) => {
      if (r.status() >= 500) pageErrors.push(`HTTP ${r.status()} from ${r.url()}`);
      if (r.status() === 404 && !new URL(r.url()).pathname.startsWith('/api/')) pageErrors.push(`404 for ${r.url()}`);
    });
  });

  after(() => endSession({ browser, upstream, home, server }));

  test('the API refuses a caller without credentials', async () => {
    const res = await fetch(`${server.url}/api/status`);
    assert.equal(res.status, 401);
  });

  test('/ redirects to the dashboard, which offers first-run setup', async () => {
    await page.goto(server.url + '/');
    assert.match(page.url(), /\/dashboard\/$/);
    await page.getByRole('heading', { name: 'Choose a dashboard password' }).waitFor();
  });

  test('setup refuses mismatched passwords, then sets the password and signs in', async () => {
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Repeat the password').fill(password + 'x');
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'differ' }).waitFor();
    await page.getByLabel('Repeat the password').fill(password);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  });

  test('the Overview shows the endpoint, the secret store and live updates', async () => {
    const endpoint = page.getByTestId('endpoint');
    await endpoint.waitFor();
    assert.equal(await endpoint.textContent(), `${server.url}/v1`);
    const store = await page.getByTestId('secret-store').textContent();
    assert.match(store, /Secret store/);
    assert.match(store, /file|keychain/i);
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByRole('button', { name: /Copy endpoint/ }).waitFor();
  });

  test('the navigation reaches every page', async () => {
    for (const title of navTitles) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click();
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      const current = page.locator('nav a[aria-current="page"]');
      assert.equal((await current.textContent()).trim(), title);
    }
    // A deep link works on load too.
    await page.goto(`${server.url}/dashboard/#/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.goto(`${server.url}/dashboard/#/`);
    await page.getByTestId('endpoint').waitFor();
  });

  test('idle pages do not poll the API', async () => {
    for (const title of ['Overview', 'Providers', 'Usage']) {
      await nav(title);
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 2500)); // the Overview's uptime and cooldown countdowns tick locally
      const during = apiRequests.filter((q) => q.at >= from);
      assert.deepEqual(during, [], `${title} asked the API while idle`);
    }
    await nav('Overview');
  });

  test('the keyboard reaches and follows the navigation', async () => {
    await page.goto(`${server.url}/dashboard/#/`);
    await page.reload(); // a fresh page: focus starts at the top
    await page.getByTestId('endpoint').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Skip to content');
    await page.keyboard.press('Tab'); // Overview
    await page.keyboard.press('Tab'); // Providers
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Providers');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
    await nav('Overview');
  });

  test('screenshots of the Overview, light and dark', async () => {
    await shot('dashboard-overview.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('dashboard-overview-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('add a custom node pointing at a mock upstream, and test its account', async () => {
    await nav('Providers');
    await page.getByText('No accounts yet').waitFor();
    await page.getByLabel('Prefix').fill('mock');
    await page.getByLabel('Wire format').selectOption('openai');
    await page.getByLabel('Base URL', { exact: true }).fill(`${upstream.url}/v1`);
    await page.locator('#node-key').fill('sk-e2e-node');
    await page.getByLabel(/^Models/).fill('m1');
    await page.getByRole('button', { name: 'Add node' }).click();
    const card = page.getByTestId('provider').filter({ has: page.getByRole('heading', { name: 'mock' }) });
    await card.getByTestId('account').waitFor();
    await card.getByRole('button', { name: 'Test' }).click();
    await card.getByRole('status').filter({ hasText: /Works \(HTTP 200\)/ }).waitFor();
    const probe = upstream.received.at(-1);
    assert.equal(probe.url, '/v1/chat/completions');
    assert.equal(probe.headers.authorization, 'Bearer sk-e2e-node');
    assert.equal(probe.body.model, 'm1');
  });

  test('add an API-key account with a base URL override', async () => {
    await page.getByLabel('Provider').selectOption('openai');
    await page.locator('#acct-key').fill('sk-e2e-openai');
    await page.locator('#acct-name').fill('work');
    await page.locator('#acct-base').fill(`${upstream.url}/v1`);
    await page.locator('#acct-daily').fill('2.5');
    await page.getByRole('button', { name: 'Add account' }).click();
    const card = page.getByTestId('provider').filter({ has: page.getByRole('heading', { name: 'OpenAI' }) });
    await card.getByTestId('account').filter({ hasText: 'work' }).waitFor();
    await card.getByText(`${upstream.url}/v1 (override)`).waitFor();
    // The key went to the secret store, not into the page.
    assert.equal(await page.getByText('sk-e2e-openai').count(), 0);
    // Edit it: a new priority and a monthly cap.
    const work = card.getByTestId('account').filter({ hasText: 'work' });
    await work.getByRole('button', { name: 'Edit' }).click();
    await work.getByLabel('Priority').fill('5');
    await work.getByLabel('Monthly cap, USD').fill('20');
    await work.getByRole('button', { name: 'Save' }).click();
    await work.getByText('priority 5').waitFor();
    await work.getByText(/this month of \$20\.00/).waitFor();
    await shot('dashboard-providers.png');
  });

  test('create a combo, reorder it, and activate it', async () => {
    await nav('Combos');
    await page.getByText('No combos yet').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('e2e');
    await page.getByLabel('Models, in order').fill('openai/gpt-4o-mini\nmock/m1');
    await page.getByRole('button', { name: 'Create combo' }).click();
    const combo = page.getByTestId('combo').filter({ has: page.getByRole('heading', { name: 'e2e' }) });
    const entries = combo.getByTestId('combo-entry');
    const expectModels = async (want) => {
      for (let i = 0; ; i++) {
        const got = (await (await page.request.get(`${server.url}/api/combos`)).json()).combos.find((c) => c.name === 'e2e');
        if (JSON.stringify(got.entries.map((e) => e.model)) === JSON.stringify(want)) return;
        if (i > 50) assert.deepEqual(got.entries.map((e) => e.model), want);
        await new Promise((r) => setTimeout(r, 100)); // the save is in flight
      }
    };
    await entries.nth(1).waitFor();
    assert.match(await entries.nth(0).textContent(), /openai\/gpt-4o-mini/);
    // Keyboard reorder: mock/m1 first. The server's answer (via the combos event) redraws the list.
    await combo.getByRole('button', { name: 'Move mock/m1 up' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the order of e2e' }).waitFor();
    await combo.getByRole('button', { name: 'Move mock/m1 down' }).waitFor();
    assert.match(await entries.nth(0).textContent(), /mock\/m1/);
    const saved = await (await page.request.get(`${server.url}/api/combos`)).json();
    assert.deepEqual(saved.combos.find((c) => c.name === 'e2e').entries.map((e) => e.model), ['mock/m1', 'openai/gpt-4o-mini']);
    // Drag and drop: openai back on top, saved the same way.
    await entries.nth(1).dragTo(entries.nth(0));
    await combo.getByRole('button', { name: 'Move openai/gpt-4o-mini down' }).and(page.locator(':not([disabled])')).waitFor();
    await expectModels(['openai/gpt-4o-mini', 'mock/m1']);
    await entries.nth(1).dragTo(entries.nth(0)); // and mock first again, for the request below
    await expectModels(['mock/m1', 'openai/gpt-4o-mini']);
    await combo.getByRole('button', { name: 'Move mock/m1 down' }).and(page.locator(':not([disabled])')).waitFor();

    assert.equal(await page.getByTestId('active-combo').textContent(), 'None');
    await combo.getByRole('button', { name: 'Activate' }).click();
    await page.getByTestId('active-combo').filter({ hasText: 'e2e' }).waitFor();
    await combo.getByText('active', { exact: true }).waitFor();

    // Edit: a daily budget on the first entry.
    await combo.getByRole('button', { name: 'Edit' }).click();
    await combo.getByLabel('Daily cap of mock/m1').fill('1.5');
    await combo.getByRole('button', { name: 'Save' }).click();
    await combo.getByTestId('combo-entry').filter({ hasText: 'mock/m1' }).getByText('$1.50/day').waitFor();
    const edited = await (await page.request.get(`${server.url}/api/combos`)).json();
    assert.equal(edited.combos.find((c) => c.name === 'e2e').entries[0].dailyUsd, 1.5);

    // An alias for the mock model.
    await page.getByLabel('Alias', { exact: true }).fill('fast');
    await page.getByLabel('Model it stands for').fill('mock/m1');
    await page.getByRole('button', { name: 'Save alias' }).click();
    await page.getByRole('button', { name: 'Remove the alias fast' }).waitFor();
    assert.deepEqual(await (await page.request.get(`${server.url}/api/aliases`)).json(), { fast: 'mock/m1' });
    await shot('dashboard-combos.png');
  });

  test('create a client API key; it is shown once', async () => {
    await nav('Keys');
    await page.getByLabel('Name of the new key').fill('e2e-client');
    await page.getByRole('button', { name: 'Create key' }).click();
    clientKey = (await page.getByTestId('new-key').textContent()).trim();
    assert.ok(clientKey.length > 16, `key ${clientKey}`);
    await page.getByRole('cell', { name: 'e2e-client', exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByText(clientKey).count(), 0);
  });

  test('a request to the active virtual model shows up live on Usage and Logs', async () => {
    await nav('Usage');
    await page.getByText('No requests in this period.').waitFor();
    // Price the mock's model first, so the request has a cost: 11 in × $1000/M + 7 out × $2000/M = $0.025.
    await page.locator('summary', { hasText: 'Pricing table' }).click();
    await page.getByLabel(/^Provider/).fill('mock');
    await page.getByLabel('Model', { exact: true }).fill('m1');
    await page.getByLabel('Input', { exact: true }).fill('1000');
    await page.getByLabel('Output', { exact: true }).fill('2000');
    await page.getByRole('button', { name: 'Save price' }).click();
    await page.getByRole('status').filter({ hasText: 'Price of m1 saved.' }).waitFor();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${clientKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'ninerouter/active', messages: [{ role: 'user', content: 'ping' }] }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /pong/);
    assert.equal(upstream.received.at(-1).body.model, 'm1');
    // No reload: the usage event redraws the page.
    await page.locator('.stat-value').filter({ hasText: /^1$/ }).first().waitFor();
    await page.getByRole('group', { name: /^Usage per hour/ }).waitFor();
    await page.locator('.stat-value').filter({ hasText: '$0.025' }).waitFor();
    await page.getByRole('region', { name: 'Breakdown' }).getByRole('cell', { name: 'mock', exact: true }).waitFor();
    await shot('dashboard-usage.png');

    await nav('Logs');
    await page.getByRole('cell', { name: /mock\/m1/ }).first().waitFor();
    await shot('dashboard-logs.png');
  });

  test('the Overview counts requests live', async () => {
    await nav('Overview');
    await page.getByTestId('requests').filter({ hasText: /^1$/ }).waitFor();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${clientKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'mock/m1', stream: true, messages: [{ role: 'user', content: 'ping' }] }),
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /pong/);
    await page.getByTestId('requests').filter({ hasText: /^2$/ }).waitFor();
  });

  test('CLI Tools: preview the exact change, apply it, then revert to the same bytes', async () => {
    const file = join(home, '.claude', 'settings.json');
    await nav('CLI Tools');
    const card = page.getByTestId('tool').filter({ has: page.getByRole('heading', { name: 'Claude Code' }) });
    await card.waitFor();
    await card.getByText('not set up').waitFor();
    await card.getByRole('button', { name: 'Preview and apply' }).click();
    const preview = card.getByRole('region', { name: 'Changes to Claude Code' });
    await preview.waitFor();
    const diff = await preview.getByRole('region', { name: /Diff of .*settings\.json/ }).textContent();
    assert.match(diff, new RegExp(`\\+.*"ANTHROPIC_BASE_URL": "${server.url}"`));
    assert.match(diff, /ANTHROPIC_AUTH_TOKEN/);
    assert.equal(readFileSync(file, 'utf8'), claudeSettings, 'a preview writes nothing');
    await shot('dashboard-tools-preview.png');

    await preview.getByRole('button', { name: 'Apply these changes' }).click();
    await card.getByText('using NineRouter').waitFor();
    const applied = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(applied.env.ANTHROPIC_BASE_URL, server.url);
    assert.equal(applied.env.DISABLE_TELEMETRY, '1');
    assert.deepEqual(applied.hooks, JSON.parse(claudeSettings).hooks);

    await card.getByRole('button', { name: 'Revert' }).click();
    await card.getByText('not set up').waitFor();
    assert.equal(readFileSync(file, 'utf8'), claudeSettings, 'revert gives back the exact bytes');
  });

  test('CLI Tools: copyable snippets for the other tools', async () => {
    for (const name of ['Cursor', 'Cline', 'Aider']) {
      await page.getByRole('button', { name: new RegExp(`^Copy ${name}`) }).first().waitFor();
    }
  });

  test('the require-API-key switch is on by default and can be turned off', async () => {
    await nav('Settings');
    const sw = page.getByRole('switch', { name: 'Require an API key on /v1' });
    await sw.waitFor();
    assert.equal(await sw.isChecked(), true);
    await sw.click();
    // Switching it off says what that means and waits for a yes; cancelling keeps it on.
    const dialog = page.getByRole('dialog', { name: 'Stop requiring an API key?' });
    await dialog.getByText(/without a key/).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await sw.isChecked(), true);
    assert.equal((await (await page.request.get(`${server.url}/api/status`)).json()).requireApiKey, true);
    await sw.click();
    await dialog.getByRole('button', { name: 'Stop requiring a key' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await sw.isChecked(), false);
    const st = await (await page.request.get(`${server.url}/api/status`)).json();
    assert.equal(st.requireApiKey, false);
    await shot('dashboard-settings.png');
  });

  test('sign out, a wrong password is refused, sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal((await fetch(`${server.url}/api/status`)).status, 401);

    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong password' }).waitFor();

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor(); // back where the user was
    await nav('Overview');
    await page.getByTestId('endpoint').waitFor();
  });

  test('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const cookies = await browser.context.cookies(server.url);
    const session = cookies.find((c) => c.name === 'nr_session');
    assert.ok(session, `no session cookie among ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
