import { Redis } from 'ioredis';

const DATABASES = 16;

export interface PrivateRedis {
  url: string;
  /** Empties the database again, so that the run leaves nothing behind. */
  release(): Promise<void>;
}

/**
 * An empty numbered database of the test run's Redis, for a server started as `npm start` starts
 * it. Its queues and streams carry the default key prefix: in database 0 another server's workers
 * (a developer's `npm start`, another run) could take this run's upload jobs, and it theirs.
 */
export async function claimPrivateRedis(redisUrl: string): Promise<PrivateRedis> {
  const candidates = Array.from({ length: DATABASES - 1 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
  for (const db of candidates) {
    const redis = new Redis(redisUrl, { db, lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    if ((await redis.dbsize()) === 0) {
      const url = new URL(redisUrl);
      url.pathname = `/${db}`;
      return {
        url: url.toString(),
        release: async () => {
          await redis.flushdb();
          await redis.quit();
        },
      };
    }
    await redis.quit();
  }
  throw new Error(`Every numbered database of ${redisUrl} holds data: none is free for the browser tests.`);
}
