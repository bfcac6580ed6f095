import { createWorkerApp, type WorkerApp } from '../../jobs/worker-app.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/env.js';
import { RedisUnavailableError } from './redis/locate-redis.js';

/** `npm run server` (API only) and `npm start` (API and workers, with --with-workers). */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const { url } = await app.listen();
  app.log.info({ url, database: app.db.dialect }, `Tabsync is listening on ${url}`);
  // The workers share the server's Redis (which may be a private one only this process knows) and key prefix.
  const workers: WorkerApp | undefined = process.argv.includes('--with-workers')
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
