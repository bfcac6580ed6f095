import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { Redis } from 'ioredis';
import type { Config } from './config/env.js';
import { createDatabase, type Database } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import { locateRedis } from './redis/locate-redis.js';
import { systemClock, type Clock } from './services/actor.js';
import { AuditService } from './services/audit/audit.service.js';
import { discardEvents } from './services/event-publisher.js';
import { SessionService } from './services/session/session.service.js';
import { OriginPolicy } from './security/origin-policy.js';
import { RateLimits, RefusalAuditGate } from './security/rate-limits.js';
import type { ApiDeps } from './api/context.js';
import { createHttpContextFactory } from './http/api-context.js';
import { createClientIpResolver } from './http/client-ip.js';
import { sendHealth, sendReadiness } from './http/health.js';
import { createHttpHost } from './http/host.js';
import { createRestAlias } from './http/rest-aliases.js';
import { createTrpcRoute, TRPC_PATH } from './http/trpc-route.js';

/** Parts a test (or another host) may supply instead of the defaults. */
export interface AppOverrides {
  log?: Logger;
  clock?: Clock;
  newSessionId?: () => string;
  newCredential?: () => string;
  /** Prefix of every Redis key this app writes, so that apps sharing one Redis can keep apart. */
  redisPrefix?: string;
}

export interface App {
  config: Config;
  log: Logger;
  db: Database;
  redisUrl: string;
  services: { sessions: SessionService; audit: AuditService };
  server: http.Server;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/**
 * The composition root: config → database → Redis → services → API → host. Nothing below reaches
 * for a global; every part is handed what it uses, so tests can build the app from other parts.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const redisPrefix = overrides.redisPrefix ?? 'tabsync';
  const closers: (() => Promise<unknown>)[] = [];

  const db = createDatabase(config.databaseUrl, { info: (msg) => { log.debug(msg); } });
  closers.unshift(() => db.close());
  try {
    await db.migrate();

    const redisLocation = await locateRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
    closers.unshift(() => redisLocation.stop());
    log.info({ source: redisLocation.source }, 'redis located');
    // Rate limits must answer at once: with no offline queue, an outage falls to the insurance limiter.
    const redis = new Redis(redisLocation.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'tabsync:commands' });
    redis.on('error', (error) => { log.warn({ err: error }, 'redis connection error'); });
    closers.unshift(() => redis.quit());
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('end', () => { reject(new Error(`Redis at ${redisLocation.source} closed before it was ready.`)); });
    });

    const audit = new AuditService({ db, clock });
    const sessions = new SessionService({
      db,
      audit,
      events: discardEvents,
      clock,
      idleTtlMs: config.sessionIdleTtlMs,
      maxAgeMs: config.sessionMaxAgeMs,
      newId: overrides.newSessionId,
      newCredential: overrides.newCredential,
    });
    const deps: ApiDeps = {
      log,
      sessions,
      audit,
      rateLimits: new RateLimits({ redis, perMinute: config.rateLimitPerMinute, keyPrefix: `${redisPrefix}:rl` }),
      refusalGate: new RefusalAuditGate({ redis, keyPrefix: `${redisPrefix}:audit-gate` }),
    };

    const clientIp = createClientIpResolver(config.trustProxy);
    const makeContext = createHttpContextFactory({ deps, clientIp, credentialMaxAgeSeconds: Math.floor(config.sessionMaxAgeMs / 1000) });
    const trpcRoute = createTrpcRoute(makeContext, log);
    const server = createHttpHost({
      log,
      audit,
      refusalGate: deps.refusalGate,
      originPolicy: new OriginPolicy(config.corsOrigins),
      clientIp,
      routes: [
        { method: 'GET', path: '/healthz', handle: (_req, res) => { sendHealth(res); } },
        {
          method: 'GET',
          path: '/readyz',
          handle: (_req, res) => sendReadiness(res, { database: () => db.ping(), redis: async () => { await redis.ping(); } }),
        },
        { method: 'GET', path: `${TRPC_PATH}/`, handle: trpcRoute },
        { method: 'POST', path: `${TRPC_PATH}/`, handle: trpcRoute },
        { method: 'POST', path: '/api/session/generate-uuid', handle: (req, res, scope) => createRestAlias('generate', makeContext)(req, res, scope.requestId) },
        { method: 'POST', path: '/api/session/validate-uuid', handle: (req, res, scope) => createRestAlias('validate', makeContext)(req, res, scope.requestId) },
      ],
    });

    return {
      config,
      log,
      db,
      redisUrl: redisLocation.url,
      services: { sessions, audit },
      server,
      listen: () =>
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.port, config.host, () => {
            const { port } = server.address() as AddressInfo;
            const host = config.host.includes(':') ? `[${config.host}]` : config.host;
            resolve({ port, url: `http://${host}:${port}` });
          });
        }),
      close: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => { resolve(); });
          server.closeAllConnections();
        });
        for (const close of closers) await close().catch((error: unknown) => { log.warn({ err: error }, 'error while closing'); });
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
