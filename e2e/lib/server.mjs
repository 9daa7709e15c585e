// Starts and stops a real `ninerouter serve` for the browser tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Asks the kernel for a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Settings that would steer the server away from what the test asks for on the command line.
const strippedEnv = ['NINEROUTER_ADDR', 'NINEROUTER_DATA_DIR', 'NINEROUTER_PASSWORD', 'PORT', 'HOSTNAME', 'DATA_DIR', 'REQUIRE_API_KEY'];

/**
 * Starts `$NINEROUTER_BIN serve` on a free port with a fresh data dir and waits for /healthz.
 * Returns {url, dataDir, stop, output()}.
 */
export async function startServer({ bin = process.env.NINEROUTER_BIN, timeoutMs = 15000, home, dataDir: keptDir, port: wantPort } = {}) {
  if (!bin) throw new Error('set NINEROUTER_BIN to a built headless binary (see e2e/README.md)');
  if (!existsSync(bin)) throw new Error(`NINEROUTER_BIN=${bin} does not exist`);
  // dataDir and port: start again on what a stopped server used (a restart).
  const dataDir = keptDir ?? mkdtempSync(join(tmpdir(), 'ninerouter-e2e-'));
  const env = { ...process.env };
  for (const k of strippedEnv) delete env[k];
  // A throwaway data dir gets a throwaway secret file, never the developer's keychain, unless asked otherwise.
  env.NINEROUTER_SECRET_STORE ??= 'file';
  if (home) {
    // A sandbox home for the CLI tool configs: the tools' own relocation variables would point outside it.
    env.HOME = home;
    for (const k of Object.keys(env)) {
      if (/^(XDG_|CLAUDE_|CODEX_|OPENCODE|GEMINI_|QWEN_|FACTORY_|OPENCLAW)/.test(k)) delete env[k];
    }
  }

  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = wantPort ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await waitHealthy(url, exited, timeoutMs);
    } catch (e) {
      child.kill('SIGKILL');
      await exited;
      lastErr = new Error(`${e.message}\n--- server output ---\n${out}`);
      if (/already in use/.test(out)) continue; // another process took the port between probe and bind
      break;
    }
    return {
      url,
      port,
      dataDir,
      output: () => out,
      /** Stops the server with SIGTERM (as systemd or Docker would); keepData leaves the data dir for a restart. */
      async stop({ keepData = false } = {}) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        const res = await exited;
        clearTimeout(timer);
        if (!keepData) rmSync(dataDir, { recursive: true, force: true });
        return res;
      },
    };
  }
  if (!keptDir) rmSync(dataDir, { recursive: true, force: true });
  throw lastErr;
}

async function waitHealthy(url, exited, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let gone = null;
  exited.then((r) => (gone = r));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server exited early (code ${gone.code}, signal ${gone.signal})`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not answer ${url}/healthz within ${timeoutMs} ms`);
}
