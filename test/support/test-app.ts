import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createApp, type App, type AppOverrides } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/env.js';
import { useForBlock } from './per-block.js';
import { testRedisEnv } from './redis-env.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export interface TestApp {
  app: App;
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  database?: DatabaseKind;
  /** Environment variables on top of the test defaults (strings, as the environment has them). */
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /** Reuse a database (to run two instances on one); a new one is made otherwise. */
  sharedDatabase?: TestDatabase;
}

/**
 * A real app on a free port: real database, real Redis, its own Redis key prefix so that test
 * files running side by side never share a rate-limit budget.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.sharedDatabase ?? (await createTestDatabase(options.database ?? 'sqlite'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.url,
    ...testRedisEnv(),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = await createApp(config, {
    // Errors only, on stderr: a 500 in a test is then explained in the run's output (tests that
    // inject faults expect a few); everything below error level stays quiet.
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'error' }, pino.destination(2)),
    redisPrefix: `tabsync-test:${randomBytes(6).toString('hex')}`,
    ...options.overrides,
  });
  const { url } = await app.listen();
  return {
    app,
    url,
    database,
    async close() {
      await app.close();
      if (!options.sharedDatabase) await database.drop();
    },
  };
}

/** A real app (as startTestApp) for the enclosing describe block (or file): started before its first test, closed after its last. */
export function useTestApp(options: TestAppOptions = {}): TestApp {
  return useForBlock('the test app', () => startTestApp(options), (t) => t.close());
}

/**
 * Apps that tests start for themselves, each with a fresh budget: `start(options)` starts one on
 * `defaults` (with `env` merged), and each is closed after its test, newest first, so that an app
 * on another's database closes before it.
 */
export function useTestAppsPerTest(defaults: TestAppOptions = {}): (options?: TestAppOptions) => Promise<TestApp> {
  const started: TestApp[] = [];
  afterEach(async () => {
    for (const app of started.splice(0).reverse()) await app.close();
  });
  return async (options = {}) => {
    const app = await startTestApp({ ...defaults, ...options, env: { ...defaults.env, ...options.env } });
    started.push(app);
    return app;
  };
}
