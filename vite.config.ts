import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { CSP_NONCE_PLACEHOLDER } from './src/server/http/page-security.js';
import { precompress } from './src/server/http/precompress.js';
import { chromiumFound, chromiumPath } from './test/e2e/support/chromium-path.js';

/** The browser tests run wherever Chromium is; elsewhere the run says so once, instead of failing. */
const E2E_TESTS = 'test/e2e/**';
if (process.env.VITEST && !chromiumFound) {
  console.log(`Browser end-to-end tests did not run: no Chromium at ${chromiumPath}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
}

/** Every build leaves .br and .gz copies of its text files beside them, which the server sends as they are. */
function precompressBuild(): Plugin {
  const written: { dir: string; names: string[] }[] = [];
  return {
    name: 'tabsync:precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      if (options.dir) written.push({ dir: options.dir, names: Object.keys(bundle) });
    },
    // Once the bundle is written and closed: the compression (seconds at Brotli's best quality)
    // is the build's own last step, not a plugin hook slowing the bundler.
    async closeBundle() {
      for (const { dir, names } of written.splice(0)) await precompress(dir, names);
    },
  };
}

/**
 * Tests that need a Redis Cluster: only `npm run test:cluster` (TEST_REDIS_CLUSTER=1) starts one,
 * and runs them with the multi-instance and queue tests on it.
 */
const CLUSTER_TESTS = 'test/cluster/**';
const onCluster = process.env.TEST_REDIS_CLUSTER === '1';

/** Where `npm run dev` runs the API server beside Vite (scripts/dev.ts). */
const apiOrigin = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;

export default defineConfig({
  root: 'src/client',
  plugins: [react(), precompressBuild()],
  // The server puts each page's nonce here (src/server/http/page-security.ts).
  html: { cspNonce: CSP_NONCE_PLACEHOLDER },
  build: { outDir: '../../dist/client', emptyOutDir: true },
  server: {
    // The page and the API share one origin in development as in production: cookies and the origin rule hold.
    proxy: { '/api': { target: apiOrigin, ws: true } },
  },
  test: {
    root: '.',
    // expect.poll waits on real processes, servers and browsers: its default second is too short on a
    // busy machine.
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/client-ui/**', '**/node_modules/**', ...(chromiumFound ? [] : [E2E_TESTS]), ...(onCluster ? [] : [CLUSTER_TESTS])],
          globalSetup: ['test/support/global-setup.ts'],
          // Integration tests start servers and child processes: forks keep each file's globals apart.
          pool: 'forks',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'ui',
          include: ['test/client-ui/**/*.test.tsx'],
          environment: 'happy-dom',
          setupFiles: ['test/client-ui/support/happy-dom-setup.ts'],
          testTimeout: 15_000,
        },
      },
    ],
  },
});
