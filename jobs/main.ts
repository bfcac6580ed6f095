import { ConfigError, loadConfig } from '../src/server/config/env.js';
import { RedisUnavailableError } from '../src/server/redis/locate-redis.js';
import { closeOnSignals, createWorkerApp } from './worker-app.js';

/** `npm run worker`: the background workers alone, as many processes as needed, on the server's Redis. */
async function main(): Promise<void> {
  const workers = await createWorkerApp(loadConfig());
  closeOnSignals(workers);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof RedisUnavailableError) console.error(`tabsync worker: ${error.message}`);
  else console.error('tabsync worker: start-up failed:', error);
  process.exit(1);
});
