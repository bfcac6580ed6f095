import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import type { Config } from './config/env.js';
import { createProcessDeps } from './process-deps.js';
import type { Database } from './db/database.js';
import type { EventBus } from './realtime/event-bus.js';
import type { Clock } from './services/actor.js';
import { FilesService } from './services/files/files.service.js';
import type { SessionService } from './services/session/session.service.js';
import type { JobQueues } from './queues/job-queues.js';
import { createLogger, stdoutLogFormat, type Logger } from './logger.js';
import type { AuditService } from './services/audit/audit.service.js';
import { ChatService } from './services/chat/chat.service.js';
import { OriginPolicy } from './http/origin-policy.js';
import { RateLimits } from './security/rate-limits.js';
import { SessionValidationLimits } from './security/session-validation-limits.js';
import { createRefusalAuditGate } from './security/create-refusal-audit-gate.js';
import { UploadByteBudget } from './security/upload-byte-budget.js';
import { createStorageCapacity } from './storage/create-object-store.js';
import type { FreeBytesReader } from './storage/free-space-floor.js';
import type { ObjectStore } from './storage/object-store.js';
import type { ApiDeps } from './api/context.js';
import { createHttpContextFactory, createWsContextFactory } from './http/api-context.js';
import { createClientIpResolver } from './http/client-ip.js';
import { createRequestIdReader } from './http/request-id.js';
import { createSecureRequestTest } from './http/request-security.js';
import { CLIENT_BUILD_DIR, createClientApp } from './http/client-app.js';
import { createCredentialReader } from './http/credential-cookie.js';
import { createFilesRoutes, FILES_PATH } from './http/files-routes.js';
import { createReadinessProbe, sendHealth, sendReadiness } from './http/health.js';
import { createHttpHost, type HostTimeouts } from './http/host.js';
import { createLingeringClose, LINGER_LIMITS, type LingerLimits } from './http/lingering-close.js';
import { createRestAlias } from './http/rest-aliases.js';
import { TRPC_PATH } from './http/paths.js';
import { createTrpcRoute } from './http/trpc-route.js';
import { createWebSocketHost, type WebSocketHost } from './http/websocket.js';
import { createAdminSurface } from './admin-surface.js';
import { createServerMetrics } from './metrics/server-metrics.js';
import type { AppMetrics } from './metrics/app-metrics.js';

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
  timeouts?: Partial<HostTimeouts & { webSocketHandshakeMs: number; webSocketPingMs: number; webSocketPongWaitMs: number }>;
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
 * Slow clients are cut off deliberately rather than by Node's defaults: headers must arrive within
 * 15 s, a whole request (a 25 MiB upload over a slow link included) within 5 min; an upload that
 * stalls is ended sooner by UPLOAD_IDLE_TIMEOUT.
 */
const HOST_TIMEOUTS: HostTimeouts = { headersMs: 15_000, requestMs: 5 * 60_000, keepAliveMs: 5_000 };

/**
 * The web server's composition root: the process's dependencies (config → database → Redis → storage → services,
 * shared with the workers) → API → host. Nothing below reaches for a global; every part is handed
 * what it uses, so tests can build the app from other parts.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.logLevel, stdoutLogFormat(config.env));
  const processDeps = await createProcessDeps(config, {
    log,
    clock: overrides.clock,
    redisPrefix: overrides.redisPrefix,
    mayStartRedis: true,
    subscribesToEvents: true,
    storage: overrides.storage,
    newSessionId: overrides.newSessionId,
    newCredential: overrides.newCredential,
  });
  const { db, events, storage, queues, audit, sessions, redisPrefix, shutdown: closers } = processDeps;

  try {
    // Rate limits must answer at once: with no offline queue, an outage falls to the insurance limiter.
    const limiterRedis = await processDeps.connectRedis('limits', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const chat = new ChatService({ db, events, clock: processDeps.clock });
    // One gate for the API, the uploads, the host and the admin surfaces: its state lives in Redis.
    const refusalGate = createRefusalAuditGate(limiterRedis, redisPrefix);
    const files = new FilesService({
      db,
      storage,
      audit,
      events,
      clock: processDeps.clock,
      uploads: queues,
      maxUploadBytes: config.maxUploadBytes,
      sessionMaxStoredBytes: config.sessionMaxStoredBytes,
      // The workers' cleanup judges an upload dead by this heartbeat (abandonedUploadAfterMs).
      uploadHeartbeatMs: config.uploadIdleTimeoutMs,
      refusalGate,
      clientBudget: new UploadByteBudget({ redis: limiterRedis, keyPrefix: `${redisPrefix}:upload-bytes`, bytesPerDay: config.uploadBytesPerClientPerDay }),
      capacity: createStorageCapacity(config, storage, overrides.readFreeBytes),
    });
    const admin = createAdminSurface({
      token: config.adminToken,
      db,
      clock: processDeps.clock,
      queues: queues.all,
      audit,
      redis: limiterRedis,
      redisPrefix,
      refusalGate,
    });
    const deps: ApiDeps = {
      log,
      sessions,
      audit,
      chat,
      files,
      events,
      rateLimits: new RateLimits({
        redis: limiterRedis,
        keyPrefix: `${redisPrefix}:rl`,
        perMinute: {
          'session.generate': config.rateLimitPerMinute,
          'session.validate': config.rateLimitPerMinute,
          'session.reset': config.rateLimitPerMinute,
          'chat.send': config.chatRateLimitPerMinute,
          'files.upload': config.uploadRateLimitPerMinute,
          'session.messages': config.sessionMessagesPerMinute,
        },
      }),
      validationLimits: new SessionValidationLimits(config.sessionValidationsPerMinute),
      refusalGate,
      admin: admin.api,
    };

    const clientIp = createClientIpResolver(config.trustProxy);
    const requestId = createRequestIdReader(config.trustProxy.kind !== 'none');
    const isSecure = createSecureRequestTest(config.trustProxy);
    const originPolicy = new OriginPolicy(config.corsOrigins, isSecure);
    const contextOptions = {
      deps,
      clientIp,
      requestId,
      isSecure,
      credentialMaxAgeSeconds: Math.floor(config.sessionMaxAgeMs / 1000),
      maxSubscriptionsPerSocket: config.wsMaxSubscriptions,
    };
    const makeContext = createHttpContextFactory(contextOptions);
    const lingering = createLingeringClose({ ...LINGER_LIMITS, ...overrides.linger });
    const websockets = createWebSocketHost({
      log,
      audit,
      refusalGate,
      originPolicy,
      makeContext: createWsContextFactory(contextOptions),
      lingering,
      maxPerIp: config.wsMaxPerIp,
      maxBufferedBytes: config.wsMaxBufferedBytes,
      maxUpgradesPerSecond: config.wsMaxUpgradesPerSecond,
      handshakeMs: overrides.timeouts?.webSocketHandshakeMs,
      pingMs: overrides.timeouts?.webSocketPingMs,
      pongWaitMs: overrides.timeouts?.webSocketPongWaitMs,
    });
    const metrics = createServerMetrics({
      audit,
      queues: queues.all,
      sockets: () => websockets.connections,
      subscriptions: () => events.localSubscriptions,
    });
    const trpcRoute = createTrpcRoute(makeContext, log);
    const generateAlias = createRestAlias('generate', makeContext);
    const validateAlias = createRestAlias('validate', makeContext);
    const fileRoutes = createFilesRoutes({
      sessions,
      files,
      log,
      audit,
      rateLimits: deps.rateLimits,
      refusalGate,
      uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
      readCredential: createCredentialReader(isSecure),
    });
    const readiness = createReadinessProbe({ database: () => db.ping(), redis: async () => { await limiterRedis.ping(); }, objectStore: () => storage.ping() });
    const server = createHttpHost({
      log,
      audit,
      refusalGate,
      originPolicy,
      clientIp,
      requestId,
      upgrade: websockets.upgrade,
      fallback: createClientApp(CLIENT_BUILD_DIR),
      timeouts: { ...HOST_TIMEOUTS, ...overrides.timeouts },
      lingering,
      onFinished: metrics.requestFinished,
      routes: [
        { method: 'GET', path: '/healthz', handle: (_req, res) => { sendHealth(res); } },
        {
          method: 'GET',
          path: '/readyz',
          handle: (_req, res) => sendReadiness(res, readiness),
        },
        { method: 'GET', path: `${TRPC_PATH}/`, handle: trpcRoute },
        { method: 'POST', path: `${TRPC_PATH}/`, handle: trpcRoute },
        { method: 'POST', path: '/api/session/generate-uuid', handle: (req, res, scope) => generateAlias(req, res, scope.requestId) },
        { method: 'POST', path: '/api/session/validate-uuid', handle: (req, res, scope) => validateAlias(req, res, scope.requestId) },
        { method: 'POST', path: FILES_PATH, handle: fileRoutes.upload },
        { method: 'GET', path: `${FILES_PATH}/`, handle: fileRoutes.download },
        ...admin.routes(metrics),
      ],
    });

    return {
      config,
      log,
      db,
      redisUrl: processDeps.redisUrl,
      redisPrefix,
      services: { sessions, audit, chat, events, files },
      storage,
      queues,
      server,
      websockets,
      metrics,
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
        // Sockets first (clients are told to reconnect elsewhere), then requests in flight, then the parts.
        await websockets.closeAll();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => { server.closeAllConnections(); }, 5000);
          force.unref();
          server.close(() => { clearTimeout(force); resolve(); });
          server.closeIdleConnections();
        });
        await closers.closeAll();
      },
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}
