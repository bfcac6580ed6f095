import { existsSync } from 'node:fs';
import path from 'node:path';
import { createWorkerApp } from '../../jobs/worker-app.js';
import { createApp } from './app.js';
import { loadConfig } from './config/env.js';
import { CLIENT_BUILD_DIR } from './http/client-app.js';
import { runProcess } from './process-lifecycle.js';

/**
 * `npm run server` (API only) and `npm start` (API and workers, with --with-workers), run from the
 * compiled dist/ that scripts/launch.mjs keeps current.
 */
runProcess('tabsync', async () => {
  const config = loadConfig();
  const app = await createApp(config);
  // Under `npm run dev` Vite serves the web app from its sources (--no-client-build).
  if (!process.argv.includes('--no-client-build') && !existsSync(path.join(CLIENT_BUILD_DIR, 'index.html'))) {
    app.log.warn("The web app is not built: only the API is served. Run npm run build (npm start builds it by itself).");
  }
  const { url } = await app.listen();
  app.log.info({ url, database: app.db.dialect }, `Tabsync is listening on ${url}`);
  if (!process.argv.includes('--with-workers')) return app;

  // The workers share the server's Redis (which may be a private one only this process knows) and key prefix.
  const workers = await createWorkerApp(config, { log: app.log.child({ part: 'workers' }), redisUrl: app.redisUrl, redisPrefix: app.redisPrefix, metrics: app.metrics }).catch(
    async (error: unknown) => {
      await app.close();
      throw error;
    },
  );
  return {
    log: app.log,
    // Workers first: a job they finish may still publish through the server's Redis.
    close: async () => {
      await workers.close();
      await app.close();
    },
  };
});
