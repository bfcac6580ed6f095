import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisClusterSetting } from '../config/env.js';
import type { Logger } from '../logger.js';
import type { ShutdownStack } from '../shutdown-stack.js';
import { clusterLiveChannel, singleLiveChannel, type LiveChannel } from './live-channels.js';
import type { RedisClient } from './redis-client.js';

/** Where Redis is: one server, or the seed nodes of a cluster. */
export type RedisTarget = { kind: 'single'; url: string } | { kind: 'cluster'; cluster: RedisClusterSetting };

/** How a connection behaves while Redis is away; the same words for either kind. */
export interface ConnectionOptions {
  /** Not connected until first used. */
  lazyConnect?: boolean;
  /** False: a command while disconnected fails at once instead of waiting. */
  enableOfflineQueue?: boolean;
  /** Null: a command waits for Redis for ever (BullMQ's workers need that). */
  maxRetriesPerRequest?: number | null;
}

export interface RedisConnector {
  readonly target: RedisTarget;
  /** A named connection for commands, ready to use (unless `lazyConnect`); it closes with the shutdown stack. */
  connect: (name: string, options?: ConnectionOptions) => Promise<RedisClient>;
  /** The live-event channel of one process: plain pub/sub on one Redis, sharded pub/sub on a cluster. */
  liveChannel: (name: string, options?: Pick<ConnectionOptions, 'lazyConnect'>) => Promise<LiveChannel>;
}

/**
 * Opens the Redis connections of one process. Each is named (CLIENT LIST shows who holds it), logs
 * its errors instead of crashing, and registers its own closing on the process's shutdown stack.
 * The one place that knows whether Redis is a cluster: everything else takes what it hands out.
 */
export function createRedisConnector(opts: { target: RedisTarget; namePrefix: string; log: Logger; shutdown: ShutdownStack }): RedisConnector {
  const open = async <C extends RedisClient>(name: string, client: C, lazy: boolean | undefined): Promise<C> => {
    client.on('error', (error: unknown) => { opts.log.warn({ err: error, connection: name }, 'redis connection error'); });
    opts.shutdown.push(async () => {
      // A cluster whose nodes are all away cannot be asked to QUIT: its sockets are closed instead.
      await client.quit().catch(() => { client.disconnect(); });
    });
    if (!lazy) {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve);
        client.once('end', () => { reject(new Error(`Redis connection "${name}" closed before it was ready.`)); });
      });
    }
    return client;
  };
  const single = (url: string, name: string, options: RedisOptions) => new Redis(url, { connectionName: `${opts.namePrefix}:${name}`, ...options });
  const cluster = (setting: RedisClusterSetting, name: string, options: ConnectionOptions, extra: Partial<ClusterOptions> = {}) =>
    new Cluster(setting.nodes, clusterOptions(setting, `${opts.namePrefix}:${name}`, options, extra));

  return {
    target: opts.target,
    connect: (name, options = {}) => {
      const { target } = opts;
      const client = target.kind === 'single' ? single(target.url, name, options) : cluster(target.cluster, name, options);
      return open(name, client, options.lazyConnect);
    },
    liveChannel: async (name, options = {}) => {
      const { target } = opts;
      if (target.kind === 'single') return singleLiveChannel(await open(name, single(target.url, name, options), options.lazyConnect));
      // One subscriber connection per master, made when a channel of its slots is first joined.
      return clusterLiveChannel(await open(name, cluster(target.cluster, name, options, { shardedSubscribers: true }), options.lazyConnect));
    },
  };
}

/**
 * A cluster's options: the per-node ones (name, credentials, TLS, retries) go to every node's
 * connection; the offline queue is the cluster's own. A managed cluster behind TLS (ElastiCache,
 * Memorystore) announces nodes by names its certificate covers: they are used as they are, not
 * resolved first (ioredis's dnsLookup), so that TLS checks the name.
 */
function clusterOptions(setting: RedisClusterSetting, connectionName: string, options: ConnectionOptions, extra: Partial<ClusterOptions>): ClusterOptions {
  const { enableOfflineQueue, lazyConnect, maxRetriesPerRequest } = options;
  return {
    lazyConnect,
    enableOfflineQueue,
    ...(setting.tls ? { dnsLookup: (address, callback) => { callback(null, address); } } : {}),
    redisOptions: {
      connectionName,
      username: setting.username,
      password: setting.password,
      ...(setting.tls ? { tls: {} } : {}),
      ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }),
    },
    ...extra,
  };
}
