import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// base './' makes every asset URL relative, so one build works both in the desktop window (served at /) and in
// the headless server (served at /dashboard/).
export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    // dist/.gitkeep must survive: the Go build embeds dist/ and needs it to exist on a fresh clone.
    // scripts/clean-dist.mjs removes the previous build instead.
    emptyOutDir: false,
    target: 'es2022',
    assetsInlineLimit: 0, // the CSP allows 'self' only; keep assets as files, not data: URLs in CSS
    // The Svelte compiler dominates build time by design; rolldown's timing advice is noise on a 2-core CI.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    // `npm run dev` against a running `ninerouter serve` on 127.0.0.1:20128.
    proxy: { '/api': 'http://127.0.0.1:20128' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
