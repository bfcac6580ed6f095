import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { CSP_NONCE_PLACEHOLDER } from './src/server/http/page-security.js';

/** Where `npm run dev` runs the API server beside Vite (src/server/dev.ts). */
const apiOrigin = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;

export default defineConfig({
  root: 'src/client',
  plugins: [react()],
  // The server puts each page's nonce here (src/server/http/page-security.ts).
  html: { cspNonce: CSP_NONCE_PLACEHOLDER },
  build: { outDir: '../../dist/client', emptyOutDir: true },
  server: {
    // The page and the API share one origin in development as in production: cookies and the origin rule hold.
    proxy: { '/api': { target: apiOrigin, ws: true } },
  },
  test: {
    root: '.',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/client-ui/**', '**/node_modules/**'],
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
