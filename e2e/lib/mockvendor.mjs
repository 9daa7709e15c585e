// Starts the in-repo mock subscription vendors (backend/testkit/mockvendor/cmd/mockvendor) for the sign-in
// tests: $MOCKVENDOR_BIN when set, else built once with `go build` from this checkout.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Returns {url, endpoints (the NINEROUTER_ENDPOINTS file), control(action, vendor), close()}. */
export async function startMockVendor({ autoApprove = true, accessTTL = '1h' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ninerouter-e2e-mockvendor-'));
  let bin = process.env.MOCKVENDOR_BIN;
  if (!bin) {
    bin = join(dir, 'mockvendor');
    execFileSync('go', ['build', '-o', bin, './backend/testkit/mockvendor/cmd/mockvendor'], { cwd: repo, stdio: 'inherit' });
  }
  if (!existsSync(bin)) throw new Error(`MOCKVENDOR_BIN=${bin} does not exist`);
  const endpoints = join(dir, 'endpoints.json');
  const args = ['-endpoints', endpoints, '-access-ttl', accessTTL];
  if (autoApprove) args.push('-auto-approve');
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const url = await new Promise((resolveURL, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolveURL(line.trim()));
    child.once('exit', (code) => reject(new Error(`mockvendor exited early (${code})`)));
  });
  return {
    url,
    endpoints,
    async control(action, vendor) {
      const res = await fetch(`${url}/_control/${action}?vendor=${encodeURIComponent(vendor)}`, { method: 'POST' });
      if (res.status !== 204) throw new Error(`mockvendor ${action} ${vendor}: ${res.status}`);
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
