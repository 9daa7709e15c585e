// End-to-end, issue 13: the whole window by keyboard only. No click, fill or selectOption drives the page here:
// only Tab, Shift+Tab, arrows, Home, Enter, Space, Escape and typed text (locators are used to check, never to
// act). Every control Tab reaches on every page must show where the focus is and be on screen; dialogs keep the
// focus inside, open on the safe choice, close on Escape and give the focus back; Enter submits forms; arrow keys
// move in the page list, in toggle groups and in ordered combo entries.
//   NINEROUTER_BIN=/tmp/ninerouter-headless npm test
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endSession, startSession } from '../lib/session.mjs';

const password = 'keyboard only please';
const pageTitles = ['Overview', 'Providers', 'Combos', 'Quota', 'CLI Tools', 'Keys', 'Usage', 'Logs', 'Settings'];

describe('the window by keyboard only', () => {
  let server;
  let browser;
  let page;
  let upstream;
  let home;
  const pageErrors = [];

  // What has the focus: enough to name it in a failure and to check that it can be seen.
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return { name: 'body', tag: 'body' };
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      const label =
        el.getAttribute('aria-label') ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) ||
        el.textContent ||
        el.getAttribute('placeholder') ||
        '';
      return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        type: el.getAttribute('type') || '',
        name: label.trim().replace(/\s+/g, ' ').slice(0, 60),
        inMain: !!el.closest('main'),
        inNav: !!el.closest('nav'),
        inDialog: !!el.closest('dialog[open]'),
        size: r.width > 0 && r.height > 0,
        onScreen: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
        // A focus ring: the outline :focus-visible draws, or a box shadow a control draws instead.
        ring: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none',
      };
    });
  const press = async (key) => {
    await page.keyboard.press(key);
    // The browser scrolls a newly focused control into view; let that land before looking.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  };
  const type = (text) => page.keyboard.type(text);
  const seeable = (f, where) => {
    assert.ok(f.size && f.onScreen, `${where}: the focused ${f.tag} "${f.name}" is not on screen`);
    assert.ok(f.ring, `${where}: the focused ${f.tag} "${f.name}" shows no focus ring`);
  };
  /** Presses Tab until want(focused) holds, checking that every stop on the way can be seen. */
  const tabTo = async (want, what, { max = 120, back = false } = {}) => {
    for (let i = 0; i < max; i++) {
      await press(back ? 'Shift+Tab' : 'Tab');
      const f = await focused();
      if (f.tag !== 'body') seeable(f, `on the way to ${what}`);
      if (want(f)) return f;
    }
    assert.fail(`Tab never reached ${what}`);
  };
  const named = (re) => (f) => re.test(f.name);
  /** Goes to a page through the page list: Shift+Tab from the page into the list, Home, arrows, Enter. */
  const goTo = async (title) => {
    const f = await focused();
    if (!f.inNav) await tabTo((x) => x.inNav, 'the page list', { back: true });
    await press('Home');
    assert.equal((await focused()).name, 'Overview', 'Home in the page list goes to its first page');
    for (let i = 0; i < pageTitles.indexOf(title); i++) await press('ArrowDown');
    assert.equal((await focused()).name, title);
    await press('Enter');
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    const after = await focused();
    assert.equal(after.id, 'main', `after opening ${title} the focus is on its content, not on ${after.tag} "${after.name}"`);
  };
  const dialog = (name) => page.getByRole('dialog', { name });

  before(async () => {
    ({ upstream, home, server, browser, page } = await startSession({
      pageErrors,
      homePrefix: 'ninerouter-e2e-kbd-home-',
      claudeSettings: '{}\n',
      timeout: 15000,
      viewport: { width: 1280, height: 800 },
    }));
    page.on('dialog', (d) => {
      pageErrors.push(`a native ${d.type()} dialog: ${d.message()}`);
      void d.dismiss();
    });
  });

  after(() => endSession({ browser, upstream, home, server }));

  test('first run: the password form by Tab, typing and Enter', async () => {
    await page.goto(server.url + '/');
    await page.locator('#password').waitFor(); // the form is drawn; from here only keys
    await tabTo((f) => f.id === 'password', 'the password field');
    await type(password);
    await press('Tab');
    assert.equal((await focused()).id, 'confirm');
    await type(password);
    await press('Enter'); // Enter submits
    await page.getByTestId('getting-started').waitFor();
  });

  test('"Skip to content" is the first stop, shows itself, and lands in the page without changing it', async () => {
    await page.reload();
    await page.getByTestId('getting-started').waitFor();
    await press('Tab');
    const skip = await focused();
    assert.equal(skip.name, 'Skip to content');
    seeable(skip, 'the skip link');
    await press('Enter');
    assert.equal((await focused()).id, 'main');
    assert.ok(['', '#/'].includes(new URL(page.url()).hash), `the skip link is not a route: ${page.url()}`);
    await page.getByTestId('getting-started').waitFor();
    await press('Tab');
    assert.ok((await focused()).inMain, 'the next Tab is inside the page');
  });

  test('getting started by keyboard: connect, combo, tool, test request', async () => {
    await tabTo((f) => f.id === 'gs-provider' || /^Provider$/.test(f.name), 'the provider menu');
    await type('Any'); // a closed <select> picks the option typed
    await tabTo((f) => f.id === 'gs-key', 'the API key field');
    await type('sk-e2e-mock');
    await tabTo(named(/^Base URL/), 'the base URL field');
    await type(`${upstream.url}/v1`);
    await tabTo(named(/^Prefix/), 'the prefix field');
    await type('mock');
    await tabTo(named(/^Models/), 'the models field');
    await type('m1');
    await press('Enter'); // Enter in the form's last field connects
    await page.getByTestId('step-provider').filter({ hasText: '(done)' }).waitFor();
    await tabTo(named(/^Create the combo/), 'the create-combo button');
    await press('Enter');
    await page.getByTestId('step-combo').filter({ hasText: '(done)' }).waitFor();
    await tabTo(named(/^Set up Claude Code/), 'the Claude Code button');
    await press('Space'); // buttons take Space as well as Enter
    await page.getByTestId('step-tools').filter({ hasText: '(done)' }).waitFor();
    assert.equal(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).env.ANTHROPIC_BASE_URL, server.url);
    await tabTo(named(/^Send a test request/), 'the test button');
    await press('Enter');
    await page.getByTestId('test-result').filter({ hasText: 'It works.' }).waitFor();
  });

  test('every page: the page list by arrow keys, every Tab stop visible, nothing with a positive tabindex', async () => {
    for (const title of pageTitles) {
      await goTo(title);
      const positive = await page.evaluate(() => [...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0).map((e) => e.outerHTML.slice(0, 80)));
      assert.deepEqual(positive, [], `${title}: a positive tabindex breaks the reading order`);
      // Tab through the whole page until the focus leaves it; each stop must be seen.
      let stops = 0;
      for (;;) {
        await press('Tab');
        const f = await focused();
        if (!f.inMain) break;
        seeable(f, title);
        stops++;
        assert.ok(stops < 200, `${title}: Tab never leaves the page`);
      }
      assert.ok(stops > 0, `${title}: Tab reaches nothing on the page`);
      console.log(`keyboard: ${title}: ${stops} Tab stops, each with a visible focus ring`);
      await tabTo((f) => f.inNav, 'back to the page list', { back: true });
    }
  });

  test('Enter submits: a client key on Keys, an alias on Combos', async () => {
    await goTo('Keys');
    await tabTo((f) => f.id === 'key-name', 'the new key name');
    await type('kbd-key');
    await press('Enter');
    await page.getByText('kbd-key', { exact: true }).first().waitFor();
    await goTo('Combos');
    await tabTo(named(/^Alias$/), 'the alias field');
    await type('kbd');
    await press('Tab');
    await type('mock/m1');
    await press('Enter');
    await page.getByRole('button', { name: 'Remove the alias kbd' }).waitFor();
  });

  test('a confirmation dialog: opens on Cancel, keeps the focus inside, Escape closes it and gives the focus back', async () => {
    await goTo('Combos');
    const trigger = await tabTo(named(/^Delete$/), 'the combo Delete button');
    await press('Enter');
    const dlg = dialog('Delete the combo default?');
    await dlg.waitFor();
    let f = await focused();
    assert.ok(f.inDialog && f.name === 'Cancel', `the dialog opens on its safe choice, not ${f.name}`);
    seeable(f, 'the dialog');
    for (let i = 0; i < 4; i++) {
      await press('Tab');
      f = await focused();
      // Chromium lets Tab reach the browser's own UI past the last control of a modal dialog, never the page.
      assert.ok(f.inDialog || f.tag === 'body', `Tab left the dialog for ${f.tag} "${f.name}"`);
    }
    await press('Escape');
    await dlg.waitFor({ state: 'hidden' });
    f = await focused();
    assert.equal(f.name, trigger.name, 'the focus is back on the button that opened the dialog');
    assert.equal((await (await page.request.get(`${server.url}/api/combos`)).json()).combos.length, 1, 'Escape deleted nothing');
  });

  test('combo entries move by arrow keys, the focus following the entry', async () => {
    // A second model on the default combo, through the editor, by keyboard.
    await tabTo(named(/^Edit$/), 'the combo Edit button', { back: true });
    await press('Enter');
    await tabTo(named(/^Model to add$/), 'the add-a-model field');
    await type('mock/m2');
    await press('Enter');
    await tabTo(named(/^Move mock\/m1 down$/), 'the move-down button of mock/m1', { back: true });
    await press('ArrowDown');
    const order = () => page.locator('tbody:has([data-move]) td.mono').allTextContents();
    assert.deepEqual(await order(), ['mock/m2', 'mock/m1']);
    assert.equal((await focused()).name, 'Move mock/m1 up', 'the focus follows mock/m1 (now last: its up button)');
    await press('ArrowUp');
    assert.deepEqual(await order(), ['mock/m1', 'mock/m2']);
    await press('ArrowDown');
    // Enter in a cap field saves the editor; the focus goes back to the card's Edit button.
    await tabTo(named(/^Daily cap of mock\/m1$/), 'the daily cap of mock/m1');
    await type('5');
    await press('Enter');
    await page.getByTestId('combo').filter({ hasText: /mock\/m2[\s\S]*mock\/m1/ }).waitFor();
    const saved = (await (await page.request.get(`${server.url}/api/combos`)).json()).combos[0];
    assert.deepEqual(saved.entries.map((e) => [e.model, e.dailyUsd ?? 0]), [['mock/m2', 0], ['mock/m1', 5]]);
    await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Edit');
  });

  test('toggle groups move by arrow keys (Usage time range) and Enter picks', async () => {
    await goTo('Usage');
    const first = await tabTo(named(/^Last 24 hours$/), 'the time range group');
    assert.equal(first.name, 'Last 24 hours');
    await press('ArrowRight');
    assert.equal((await focused()).name, 'Last 7 days');
    await press('Enter');
    await page.getByRole('button', { name: 'Last 7 days', pressed: true }).waitFor();
    await press('ArrowLeft');
    await press('ArrowLeft'); // wraps to the last
    assert.equal((await focused()).name, 'Last 30 days');
  });

  test('the Usage chart reads one bucket at a time by arrow keys, requests and attempts labelled', async () => {
    await tabTo(named(/^Usage per day/), 'the chart');
    const readout = page.getByTestId('chart-readout');
    await press('End'); // today: the getting-started test request
    assert.match(await readout.textContent(), /1 attempt\b/);
    await press('ArrowLeft');
    assert.match(await readout.textContent(), /0 attempts/, 'the day before had no traffic');
    await press('ArrowRight');
    assert.match(await readout.textContent(), /1 attempt\b/);
  });

  test('Logs: a request\'s attempts open by keyboard', async () => {
    await goTo('Logs');
    await tabTo((f) => f.tag === 'button' && f.inMain && !!f.name && !/Last|Export|Clear/.test(f.name) && f.name !== 'Live', 'a request row');
    await press('Enter');
    await page.getByRole('list', { name: 'Attempts, in order' }).first().waitFor();
  });

  test('the Connect dialog: Escape closes it and gives the focus back', async () => {
    await goTo('Providers');
    await tabTo(named(/^Connect a subscription$/), 'Connect a subscription');
    await press('Enter');
    const dlg = page.getByTestId('connect-dialog');
    await dlg.waitFor();
    let f = await focused();
    assert.ok(f.inDialog, `the Connect dialog takes the focus (it is on ${f.tag} "${f.name}")`);
    await press('Escape');
    await dlg.waitFor({ state: 'detached' });
    f = await focused();
    assert.equal(f.name, 'Connect a subscription', 'the focus is back on the button that opened it');
  });

  test('Uninstall asks first; Escape keeps everything', async () => {
    await goTo('Settings');
    await tabTo(named(/^Uninstall NineRouter/), 'Uninstall');
    await press('Enter');
    const dlg = dialog('Uninstall NineRouter?');
    await dlg.waitFor();
    assert.equal((await focused()).name, 'Cancel');
    await press('Escape');
    await dlg.waitFor({ state: 'hidden' });
    assert.match((await focused()).name, /^Uninstall NineRouter/);
    assert.equal(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).env.ANTHROPIC_BASE_URL, server.url, 'nothing reverted');
  });

  test('no page errors and no native dialogs', () => {
    assert.deepEqual(pageErrors, []);
  });
});
