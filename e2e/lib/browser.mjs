// Launches Debian's Chromium through playwright-core (Playwright's own browser downloads are not available).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launch({ executablePath = process.env.CHROMIUM_BIN || '/usr/bin/chromium' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'ninerouter-e2e-chromium-'));
  // launchPersistentContext is how Playwright takes a user data dir; --user-data-dir in args is refused.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
