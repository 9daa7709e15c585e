// End-to-end, issue 11: the Connect dialog in headless Chromium against a real `ninerouter serve` whose
// subscription providers point at the in-repo mock vendors (lib/mockvendor.mjs, NINEROUTER_ENDPOINTS). One
// browser sign-in (Claude: PKCE, the vendor page opened from the dialog, back to NineRouter's loopback
// callback), one device sign-in (GitHub Copilot: the code shown large with a copy button), a wrong pasted code
// (a clear message, the flow keeps waiting, no account), and an account whose refresh token the vendor revoked
// (shown as needing sign-in, signed in again from its "Sign in again" button).
//   NINEROUTER_BIN=/tmp/ninerouter-headless npm test
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launch } from '../lib/browser.mjs';
import { startMockVendor } from '../lib/mockvendor.mjs';

const password = 'connect me please';

describe('the Connect dialog', () => {
  let server;
  let browser;
  let page;
  let vendor;
  const pageErrors = [];

  before(async () => {
    // Access tokens of 30 s: the refresher renews them every 15 s, so a revoked refresh token shows at once.
    vendor = await startMockVendor({ autoApprove: true, accessTTL: '30s' });
    const saved = process.env.NINEROUTER_ENDPOINTS;
    process.env.NINEROUTER_ENDPOINTS = vendor.endpoints;
    try {
      server = await startServer();
    } finally {
      if (saved === undefined) delete process.env.NINEROUTER_ENDPOINTS;
      else process.env.NINEROUTER_ENDPOINTS = saved;
    }
    browser = await launch();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 500) pageErrors.push(`HTTP ${r.status()} from ${r.url()}`);
    });
    await page.goto(server.url + '/');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Repeat the password').fill(password);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Providers', exact: true }).click();
  });

  after(async () => {
    await browser?.close();
    if (server) {
      const res = await server.stop();
      assert.equal(res.code, 0, `server exit: ${JSON.stringify(res)}\n${server.output()}`);
      assert.doesNotMatch(server.output(), /NRCANARY/, 'a token reached the server output');
    }
    await vendor?.close();
    assert.deepEqual(pageErrors, []);
  });

  const dialog = () => page.getByTestId('connect-dialog');
  const open = async () => {
    await page.getByRole('button', { name: 'Connect a subscription' }).click();
    await dialog().waitFor();
  };
  const choose = (name) => dialog().getByRole('radio', { name: new RegExp(name) }).check();

  test('lists every subscription with its plans, prefix and upstream status', async () => {
    await open();
    for (const [name, prefix] of [['Claude', 'cc/'], ['ChatGPT / Codex', 'cx/'], ['GitHub Copilot', 'gh/'],
      ['Gemini CLI', 'gc/'], ['Antigravity', 'ag/'], ['Kiro', 'kr/'], ['Kimi coding', 'kmc/']]) {
      const row = dialog().locator('li', { hasText: name });
      await row.waitFor();
      assert.match(await row.innerText(), new RegExp(prefix.replace('/', '\\/')), `${name} shows its prefix`);
    }
    assert.match(await dialog().locator('li', { hasText: 'Antigravity' }).innerText(), /deprecated/);
    await choose('Antigravity');
    assert.match(await dialog().innerText(), /bans/, 'the ban risk is said before signing in');
  });

  test('a browser sign-in: the vendor page opened from the dialog comes back and the account is shown', async () => {
    await choose('Claude');
    await dialog().getByRole('button', { name: 'Sign in with the browser' }).click();
    const link = dialog().getByTestId('connect-url');
    assert.match(await link.getAttribute('href'), /code_challenge_method=S256/);
    const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await popup.getByText('Signed in to Claude').waitFor();
    await popup.close();
    await dialog().locator('[data-testid="connect-state"][data-state="done"]').waitFor();
    assert.match(await dialog().getByTestId('connect-account').innerText(), /user@example\.com/);
    await dialog().getByRole('button', { name: 'Done' }).click();
    await page.getByText('user@example.com').first().waitFor();
  });

  test('a wrong pasted code says what to do and creates nothing', async () => {
    await open();
    await choose('ChatGPT / Codex');
    await dialog().getByRole('button', { name: 'Paste a code (no browser here)' }).click();
    await dialog().getByLabel(/Paste the address/).fill('http://localhost:1455/auth/callback?code=nope&state=forged');
    await dialog().getByRole('button', { name: 'Submit' }).click();
    const alert = dialog().getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /different sign-in attempt|start again/);
    assert.equal(await dialog().getByTestId('connect-state').getAttribute('data-state'), 'waiting');
    await dialog().getByRole('button', { name: 'Close' }).click();
    const accts = await page.evaluate(async () => (await fetch('/api/accounts')).json());
    assert.equal(accts.filter((a) => a.provider === 'codex').length, 0, 'a refused code created an account');
  });

  test('a device sign-in shows the code large with a copy button, then the account', async () => {
    await open();
    await choose('GitHub Copilot');
    await dialog().getByRole('button', { name: 'Enter a code on the vendor page' }).click();
    const code = dialog().getByTestId('user-code');
    await code.waitFor();
    assert.match(await code.innerText(), /^ABCD-\d{4}$/);
    const size = await code.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 24, `the user code is shown large (${size}px)`);
    await dialog().getByRole('button', { name: 'Copy code' }).waitFor();
    await dialog().locator('[data-testid="connect-state"][data-state="done"]').waitFor();
    await dialog().getByRole('button', { name: 'Done' }).click();
  });

  test('a revoked sign-in shows as needing sign-in and is signed in again from its button', async () => {
    await vendor.control('revoke', 'claude');
    const again = page.getByRole('button', { name: 'Sign in again' });
    await again.waitFor({ timeout: 45000 }); // the next proactive refresh meets invalid_grant
    assert.match(await page.locator('main').innerText(), /invalid_grant/, "the vendor's own words are shown");
    await again.click();
    await dialog().getByRole('heading', { name: /Sign in again/ }).waitFor();
    await dialog().getByRole('button', { name: 'Sign in with the browser' }).click();
    const [popup] = await Promise.all([page.waitForEvent('popup'), dialog().getByTestId('connect-url').click()]);
    await popup.getByText('Signed in to Claude').waitFor();
    await popup.close();
    await dialog().locator('[data-testid="connect-state"][data-state="done"]').waitFor();
    await dialog().getByRole('button', { name: 'Done' }).click();
    await again.waitFor({ state: 'detached' });
    const accts = await page.evaluate(async () => (await fetch('/api/accounts')).json());
    assert.equal(accts.filter((a) => a.provider === 'claude').length, 1, 'signing in again made no second account');
  });
});
