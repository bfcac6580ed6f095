import type { Config } from './config/env.js';
import { createDatabase, type Database } from './db/database.js';
import type { ReadinessCheck } from './http/health.js';
import type { Logger } from './logger.js';
import { JobQueues } from './queues/job-queues.js';
import { EventBus } from './realtime/event-bus.js';
import { createRedisConnector, type RedisConnector, type RedisTarget } from './redis/connect-redis.js';
import type { RedisClient } from './redis/redis-client.js';
import { locateRedis, RedisUnavailableError } from './redis/locate-redis.js';
import { systemClock, type Clock } from './services/actor.js';
import { AuditService } from './services/audit/audit.service.js';
import { SessionService } from './services/session/session.service.js';
import { createObjectStore } from './storage/create-object-store.js';
import type { ObjectStore } from './storage/object-store.js';
import { ShutdownStack } from './shutdown-stack.js';

export interface ProcessDepsOptions {
  log: Logger;
  clock?: Clock;
  /** Prefix of every Redis key the process writes; the web server and its workers must share it. */
  redisPrefix?: string;
  /** Redis at this URL, as found already (the workers beside the server in `npm start` use the server's); ignored with REDIS_CLUSTER_NODES. */
  redisUrl?: string;
  /**
   * Whether this process may start a private redis-server when none answers. Only the web server may:
   * a private Redis of a worker's own would be a queue nobody else sees.
   */
  mayStartRedis: boolean;
  /** Added after the key prefix to the names of this process's Redis connections (CLIENT LIST), e.g. `worker`. */
  connectionTag?: string;
  /** The web server listens to session events; workers only publish, so theirs is never opened. */
  subscribesToEvents: boolean;
  /** The object store (a test wraps the real one to inject faults); the configured one otherwise. It closes with the rest. */
  storage?: ObjectStore;
  newSessionId?: () => string;
  newCredential?: () => string;
}

/**
 * What every Tabsync process (the web server, the workers) stands on, built once and the same way
 * for each: config → database → Redis → event bus → object store → queues → services, with one
 * shutdown stack that the composition roots add their own parts to.
 */
export interface ProcessDeps {
  config: Config;
  log: Logger;
  clock: Clock;
  db: Database;
  /** The single Redis's URL; undefined on a cluster (REDIS_CLUSTER_NODES names its nodes). */
  redisUrl: string | undefined;
  redisPrefix: string;
  /** Hands out connections of the kind the deployment has: one Redis, or a cluster. */
  connectRedis: RedisConnector['connect'];
  events: EventBus;
  storage: ObjectStore;
  queues: JobQueues;
  audit: AuditService;
  sessions: SessionService;
  /** Closed in reverse order of opening: what a composition root adds closes before these. */
  shutdown: ShutdownStack;
}

export async function createProcessDeps(config: Config, options: ProcessDepsOptions): Promise<ProcessDeps> {
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const redisPrefix = options.redisPrefix ?? 'tabsync';
  const shutdown = new ShutdownStack(log);

  try {
    // Migration steps are detail; waiting on another process's migrations is worth an operator's notice.
    const db = createDatabase(config.databaseUrl, { info: (msg) => { log.debug(msg); }, warn: (msg) => { log.warn(msg); } }, { poolMax: config.databasePoolMax });
    shutdown.push(() => db.close());
    await db.migrate();

    const target = await redisTarget(config, options, shutdown, log);
    const redisUrl = target.kind === 'single' ? target.url : undefined;
    const connector = createRedisConnector({ target, namePrefix: options.connectionTag ? `${redisPrefix}:${options.connectionTag}` : redisPrefix, log, shutdown });
    const connectRedis = connector.connect;
    const events = new EventBus({
      redis: await connectRedis('events'),
      live: await connector.liveChannel('subscriber', { lazyConnect: !options.subscribesToEvents }),
      prefix: redisPrefix,
      log,
      retentionMs: config.sessionMaxAgeMs,
    });
    shutdown.push(() => events.close());

    const storage = options.storage ?? createObjectStore(config);
    shutdown.push(() => storage.close());
    // No offline queue: while Redis is down an enqueue fails at once (an upload answers 503) instead of hanging.
    const queues = new JobQueues({ connection: await connectRedis('queues', { enableOfflineQueue: false, maxRetriesPerRequest: 1 }), prefix: redisPrefix, log });
    shutdown.push(() => queues.close());

    const audit = new AuditService({ db, clock, onLostRows: (error, rows) => { log.error({ err: error, rows }, 'queued audit rows (successful validations) failed to commit'); } });
    // Closed before the database: rows already recorded commit first.
    shutdown.push(() => audit.close());
    const sessions = new SessionService({
      db,
      audit,
      events,
      clock,
      idleTtlMs: config.sessionIdleTtlMs,
      maxAgeMs: config.sessionMaxAgeMs,
      newId: options.newSessionId,
      newCredential: options.newCredential,
    });

    return { config, log, clock, db, redisUrl, redisPrefix, connectRedis, events, storage, queues, audit, sessions, shutdown };
  } catch (error) {
    await shutdown.closeAll();
    throw error;
  }
}

/**
 * What /readyz asks of a process: its database, its object store and Redis, through `redis`, a
 * connection without an offline queue, so that an outage shows at once.
 */
export function readinessChecks(deps: Pick<ProcessDeps, 'db' | 'storage'>, redis: RedisClient): Record<string, ReadinessCheck> {
  return { database: () => deps.db.ping(), redis: async () => { await redis.ping(); }, objectStore: () => deps.storage.ping() };
}

/** REDIS_CLUSTER_NODES; else the Redis found already; else REDIS_URL, the local one, or where allowed a private one. */
async function redisTarget(config: Config, options: ProcessDepsOptions, shutdown: ShutdownStack, log: Logger): Promise<RedisTarget> {
  if (config.redisCluster) {
    log.info({ source: 'REDIS_CLUSTER_NODES', seeds: config.redisCluster.nodes.length }, 'redis cluster configured');
    return { kind: 'cluster', cluster: config.redisCluster };
  }
  return { kind: 'single', url: options.redisUrl ?? (await findRedis(config, options.mayStartRedis, shutdown, log)) };
}

/** REDIS_URL, else the local one; else, where allowed, a private one that stops with the process. */
async function findRedis(config: Config, mayStart: boolean, shutdown: ShutdownStack, log: Logger): Promise<string> {
  const location = await locateRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  shutdown.push(() => location.stop());
  if (location.source === 'private' && !mayStart) {
    throw new RedisUnavailableError(
      'Workers need the Redis the web server uses: set REDIS_URL (e.g. redis://127.0.0.1:6379), or start them beside the server with `npm start`.',
    );
  }
  log.info({ source: location.source }, 'redis located');
  return location.url;
}
