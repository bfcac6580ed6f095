import type http from 'node:http';
import type { Config } from './config/env.js';
import { createProcessDeps, readinessChecks } from './process-deps.js';
import type { Database } from './db/database.js';
import type { EventBus } from './realtime/event-bus.js';
import type { Clock } from './services/actor.js';
import type { FilesService } from './services/files/files.service.js';
import type { SessionService } from './services/session/session.service.js';
import type { JobQueues } from './queues/job-queues.js';
import { createLogger, stdoutLogFormat, type Logger } from './logger.js';
import type { AuditService } from './services/audit/audit.service.js';
import type { ChatService } from './services/chat/chat.service.js';
import type { FreeBytesReader } from './storage/free-space-floor.js';
import type { ObjectStore } from './storage/object-store.js';
import { CLIENT_BUILD_DIR, createClientApp } from './http/client-app.js';
import { createHttpHost } from './http/host.js';
import { createLingeringClose, LINGER_LIMITS, type LingerLimits } from './http/lingering-close.js';
import { createRequestPolicies } from './http/request-policies.js';
import { createWebSocketHost, type WebSocketHost } from './http/websocket.js';
import { createAdminSurface } from './admin-surface.js';
import { createServerMetrics } from './metrics/server-metrics.js';
import type { AppMetrics } from './metrics/app-metrics.js';
import { createApiContexts } from './app/api-contexts.js';
import { hostTimeouts, webSocketLimits, type ClientTimeouts } from './app/client-limits.js';
import { closeServer, listen } from './app/server-lifecycle.js';
import { serverRoutes } from './app/server-routes.js';
import { apiDepsOf, createServerServices } from './app/server-services.js';

/** Parts a test (or another host) may supply instead of the defaults. */
export interface AppOverrides {
  log?: Logger;
  clock?: Clock;
  newSessionId?: () => string;
  newCredential?: () => string;
  /** Prefix of every Redis key this app writes, so that apps sharing one Redis can keep apart. */
  redisPrefix?: string;
  /** The object store (a test wraps the real one to inject faults); the configured one otherwise. */
  storage?: ObjectStore;
  /** How the local store's free disk space is read (a test fakes a nearly full disk); statfs otherwise. */
  readFreeBytes?: FreeBytesReader;
  /** Shorter limits on slow clients, so a test need not wait out the real ones. */
  timeouts?: ClientTimeouts;
  /** Tighter bounds on closing connections whose client is still sending, so a test need not send megabytes. */
  linger?: Partial<LingerLimits>;
}

export interface App {
  config: Config;
  log: Logger;
  db: Database;
  /** The single Redis's URL; undefined on a cluster (REDIS_CLUSTER_NODES). */
  redisUrl: string | undefined;
  redisPrefix: string;
  services: { sessions: SessionService; audit: AuditService; chat: ChatService; events: EventBus; files: FilesService };
  storage: ObjectStore;
  /** The producer side of the background jobs (the workers run apart: jobs/). */
  queues: JobQueues;
  server: http.Server;
  websockets: WebSocketHost;
  /** This instance's metrics (served at /metrics); workers in the same process count into them. */
  metrics: AppMetrics;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/**
 * The web server's composition root: the process's dependencies (config → database → Redis →
 * storage → services, as the workers build them) → the server's services and the API's
 * dependencies → the WebSocket host and the HTTP host with its routes. Nothing below reaches for a
 * global; every part is handed what it uses, so tests can build the app from other parts.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.logLevel, stdoutLogFormat(config.env));
  const deps = await createProcessDeps(config, {
    log,
    clock: overrides.clock,
    redisPrefix: overrides.redisPrefix,
    mayStartRedis: true,
    subscribesToEvents: true,
    storage: overrides.storage,
    newSessionId: overrides.newSessionId,
    newCredential: overrides.newCredential,
  });
  const { db, events, storage, queues, audit, sessions, redisPrefix } = deps;

  try {
    const services = await createServerServices(deps, overrides.readFreeBytes);
    const { refusalGate } = services;
    const admin = createAdminSurface({ token: config.adminToken, db, clock: deps.clock, queues: queues.all, audit, redis: services.limitsRedis, redisPrefix, refusalGate });
    const api = apiDepsOf(deps, services, admin.api);

    const requests = createRequestPolicies(config);
    const contexts = createApiContexts(config, api, requests);
    const lingering = createLingeringClose({ ...LINGER_LIMITS, ...overrides.linger });
    const websockets = createWebSocketHost({
      log,
      audit,
      refusalGate,
      originPolicy: requests.originPolicy,
      makeContext: contexts.ws,
      lingering,
      ...webSocketLimits(config, overrides.timeouts),
    });
    const metrics = createServerMetrics({ audit, queues: queues.all, sockets: () => websockets.connections, subscriptions: () => events.localSubscriptions });
    const server = createHttpHost({
      log,
      audit,
      refusalGate,
      originPolicy: requests.originPolicy,
      clientIp: requests.clientIp,
      requestId: requests.requestId,
      upgrade: websockets.upgrade,
      fallback: createClientApp(CLIENT_BUILD_DIR),
      timeouts: hostTimeouts(overrides.timeouts),
      lingering,
      onFinished: metrics.requestFinished,
      routes: serverRoutes({
        api,
        makeContext: contexts.http,
        isSecure: requests.isSecure,
        uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
        readiness: readinessChecks(deps, services.limitsRedis),
        admin: admin.routes(metrics),
      }),
    });

    return {
      config,
      log,
      db,
      redisUrl: deps.redisUrl,
      redisPrefix,
      services: { sessions, audit, chat: api.chat, events, files: api.files },
      storage,
      queues,
      server,
      websockets,
      metrics,
      listen: () => listen(server, config),
      close: () => closeServer({ websockets, server, shutdown: deps.shutdown }),
    };
  } catch (error) {
    await deps.shutdown.closeAll();
    throw error;
  }
}
