// Removes the previous build from dist/ but keeps dist/.gitkeep, which the Go embed (frontend/assets.go) needs on
// a fresh clone. Vite's emptyOutDir would delete it, so it is off in vite.config.ts.
import { readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
for (const name of readdirSync(dist)) {
  if (name !== '.gitkeep') rmSync(join(dist, name), { recursive: true, force: true });
}
