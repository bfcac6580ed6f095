import type { TestProject } from 'vitest/node';
import { buildIfStale } from '../../src/server/dist-build.mjs';
import { locateRedis, type RedisLocation } from '../../src/server/redis/locate-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: RedisLocation | undefined;

/**
 * Finds Redis once for the whole run (or starts a private one), and says clearly when it cannot.
 * Compiles dist/ when stale: tests that run the npm scripts as a user would (`npm run audit:verify`)
 * get the launcher's build otherwise, inside their own time limit.
 */
export async function setup(project: TestProject): Promise<void> {
  redis = await locateRedis({ redisUrl: process.env.REDIS_URL, dataDir: 'data/test' });
  project.provide('redisUrl', redis.url);
  await buildIfStale(['code']);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
