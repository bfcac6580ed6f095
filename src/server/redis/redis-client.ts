import type { Cluster, Redis } from 'ioredis';

/** A connection for commands: one Redis, or a cluster that routes each command to its slot's master. */
export type RedisClient = Redis | Cluster;
