// The setup the dashboard suites share: a mock upstream, a sandbox HOME, a real `ninerouter serve` using that
// HOME, and one browser page whose uncaught errors are collected. endSession takes down whatever of it started.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import { launch } from './browser.mjs';
import { startUpstream } from './upstream.mjs';

/**
 * Starts a session. claudeSettings is the sandbox HOME's Claude Code settings.json (the CLI Tools page finds the
 * tool by it); setupHome(home) puts any other "machine's" files there before the server starts; consoleAllowed, when given, collects every console error it does not match into pageErrors (the suite's own
 * array, so its final check stays in the suite). Returns {upstream, home, server, browser, page}.
 */
export async function startSession({ pageErrors, homePrefix = 'ninerouter-e2e-home-', claudeSettings, setupHome = () => {}, timeout, viewport, consoleAllowed }) {
  const s = {};
  try {
    s.upstream = await startUpstream();
    s.home = mkdtempSync(join(tmpdir(), homePrefix));
    mkdirSync(join(s.home, '.claude'));
    writeFileSync(join(s.home, '.claude', 'settings.json'), claudeSettings);
    setupHome(s.home);
    s.server = await startServer({ home: s.home });
    s.browser = await launch();
    s.page = await s.browser.context.newPage();
    if (viewport) await s.page.setViewportSize(viewport);
    s.page.setDefaultTimeout(timeout);
    s.page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    if (consoleAllowed) {
      s.page.on('console', (m) => {
        if (m.type() === 'error' && !consoleAllowed.test(m.text())) pageErrors.push(`console: ${m.text()}`);
      });
    }
    return s;
  } catch (e) {
    await endSession(s).catch(() => {}); // the start's own error is the one to report
    throw e;
  }
}

/** Closes the browser and the upstream, removes the HOME, and stops the server, which must exit 0. */
export async function endSession(s) {
  await s?.browser?.close();
  await s?.upstream?.close();
  if (s?.home) rmSync(s.home, { recursive: true, force: true });
  if (s?.server) {
    const res = await s.server.stop();
    assert.equal(res.code, 0, `server exit: ${JSON.stringify(res)}\n${s.server.output()}`);
  }
}
