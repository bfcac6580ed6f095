import { inject } from 'vitest';

/**
 * The Redis settings of a test app or process: the run's cluster under `npm run test:cluster`
 * (TEST_REDIS_CLUSTER=1), the run's single Redis otherwise.
 */
export function testRedisEnv(): Record<string, string> {
  const clusterNodes = inject('redisClusterNodes');
  return clusterNodes ? { REDIS_CLUSTER_NODES: clusterNodes } : { REDIS_URL: inject('redisUrl') };
}
