import { createWorkerApp, type WorkerApp } from '../../jobs/worker-app.js';
import { createApp } from './app.js';
import { buildClientIfStale, clientBuildStaleness } from './client-build.js';
import { CLIENT_BUILD_DIR } from './http/client-app.js';
import { createLogger } from './logger.js';
import { ConfigError, loadConfig } from './config/env.js';
import { RedisUnavailableError } from './redis/locate-redis.js';

/** `npm run server` (API only) and `npm start` (API and workers, with --with-workers). */
async function main(): Promise<void> {
  const config = loadConfig();
  const allInOne = process.argv.includes('--with-workers');
  const servesBuild = !process.argv.includes('--no-client-build');
  // Only the all-in-one builds: instances at scale start together and serve what the deploy built,
  // and under `npm run dev` Vite serves the client from its sources.
  if (allInOne && servesBuild) await buildClientIfStale(CLIENT_BUILD_DIR, createLogger(config.logLevel));
  const app = await createApp(config);
  const staleness = clientBuildStaleness(CLIENT_BUILD_DIR);
  if (servesBuild && staleness) app.log.warn(`The web app's build is ${staleness}; run npm run build (npm start builds it by itself).`);
  const { url } = await app.listen();
  app.log.info({ url, database: app.db.dialect }, `Tabsync is listening on ${url}`);
  // The workers share the server's Redis (which may be a private one only this process knows) and key prefix.
  const workers: WorkerApp | undefined = allInOne
    ? await createWorkerApp(config, { log: app.log.child({ part: 'workers' }), redisUrl: app.redisUrl, redisPrefix: app.redisPrefix })
    : undefined;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    (workers ? workers.close() : Promise.resolve()).then(() => app.close()).then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => { stop('SIGTERM'); });
  process.once('SIGINT', () => { stop('SIGINT'); });
}

main().catch((error: unknown) => {
  // Known start-up problems are one readable line; anything else keeps its stack for the operator.
  if (error instanceof ConfigError || error instanceof RedisUnavailableError) console.error(`tabsync: ${error.message}`);
  else console.error('tabsync: start-up failed:', error);
  process.exit(1);
});
