import type { TestProject } from 'vitest/node';
import { buildIfStale } from '../../scripts/dist-build.mjs';
import { locateRedis, type RedisLocation } from '../../src/server/redis/locate-redis.js';
import { claimRedisDatabase, type ClaimedDatabase } from './redis-databases.js';
import { startRedisCluster, type RedisClusterProcess } from './redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's own database (every test app in it has a key prefix of its own). */
    redisUrl: string;
    /** Redis as REDIS_URL names it (or as it was found): where files claim databases of their own. */
    redisServerUrl: string;
    /** REDIS_CLUSTER_NODES of the run's cluster when TEST_REDIS_CLUSTER=1 (`npm run test:cluster`); empty otherwise. */
    redisClusterNodes: string;
  }
}

let redis: RedisLocation | undefined;
let runDatabase: ClaimedDatabase | undefined;
let cluster: RedisClusterProcess | undefined;

/**
 * Finds Redis once for the whole run (or starts a private one), and says clearly when it cannot.
 * The run works in a numbered database it claims, empty, whatever database REDIS_URL names, and
 * empties it at the end: Redis is left as the run found it.
 * Compiles dist/ when stale: tests that run the npm scripts as a user would (`npm run audit:verify`)
 * get the launcher's build otherwise, inside their own time limit. A build that fails (a type
 * error anywhere) fails only those tests, not the whole run.
 */
export async function setup(project: TestProject): Promise<void> {
  redis = await locateRedis({ redisUrl: process.env.REDIS_URL, dataDir: 'data/test' });
  runDatabase = await claimRedisDatabase(redis.url);
  project.provide('redisUrl', runDatabase.url);
  project.provide('redisServerUrl', redis.url);
  // A cluster of six redis-servers only when asked for: the apps of this run then use it instead.
  if (process.env.TEST_REDIS_CLUSTER === '1') cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster?.nodes ?? '');
  try {
    await buildIfStale(['code']);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`dist/ could not be built (${reason}): tests that run the compiled CLIs will fail; the rest run\n`);
  }
}

export async function teardown(): Promise<void> {
  await runDatabase?.release();
  await cluster?.stop();
  await redis?.stop();
}
