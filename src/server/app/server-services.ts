import type { ApiDeps } from '../api/context.js';
import type { Config } from '../config/env.js';
import type { ProcessDeps } from '../process-deps.js';
import type { RedisClient } from '../redis/redis-client.js';
import { createRefusalAuditGate } from '../security/create-refusal-audit-gate.js';
import { RateLimits, type RateLimitsOptions } from '../security/rate-limits.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import { SessionValidationLimits } from '../security/session-validation-limits.js';
import { UploadByteBudget } from '../security/upload-byte-budget.js';
import { ChatService } from '../services/chat/chat.service.js';
import { FilesService } from '../services/files/files.service.js';
import { createStorageCapacity } from '../storage/create-object-store.js';
import type { FreeBytesReader } from '../storage/free-space-floor.js';

/** What the web server adds to the parts every process has: the services requests use, and their limits. */
export interface ServerServices {
  /** The limits' Redis connection, which answers at once or fails; /readyz and the admin gate use it too. */
  limitsRedis: RedisClient;
  /** One gate for the API, the uploads, the host and the admin surfaces: its state lives in Redis. */
  refusalGate: RefusalAuditGate;
  rateLimits: RateLimits;
  validationLimits: SessionValidationLimits;
  chat: ChatService;
  files: FilesService;
}

export async function createServerServices(deps: ProcessDeps, readFreeBytes?: FreeBytesReader): Promise<ServerServices> {
  const { config, db, storage, audit, events, clock, queues, redisPrefix } = deps;
  // Rate limits must answer at once: with no offline queue, an outage falls to the insurance limiter.
  const limitsRedis = await deps.connectRedis('limits', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const refusalGate = createRefusalAuditGate(limitsRedis, redisPrefix);
  const files = new FilesService({
    db,
    storage,
    audit,
    events,
    clock,
    uploads: queues,
    maxUploadBytes: config.maxUploadBytes,
    sessionMaxStoredBytes: config.sessionMaxStoredBytes,
    // The workers' cleanup judges an upload dead by this heartbeat (abandonedUploadAfterMs).
    uploadHeartbeatMs: config.uploadIdleTimeoutMs,
    refusalGate,
    clientBudget: new UploadByteBudget({ redis: limitsRedis, keyPrefix: `${redisPrefix}:upload-bytes`, bytesPerDay: config.uploadBytesPerClientPerDay }),
    capacity: createStorageCapacity(config, storage, readFreeBytes),
  });
  return {
    limitsRedis,
    refusalGate,
    rateLimits: new RateLimits({ redis: limitsRedis, keyPrefix: `${redisPrefix}:rl`, perMinute: rateLimitsPerMinute(config) }),
    validationLimits: new SessionValidationLimits(config.sessionValidationsPerMinute),
    chat: new ChatService({ db, audit, events, clock }),
    files,
  };
}

/** The per-IP budgets (per session for `session.messages`), shared by all instances. */
function rateLimitsPerMinute(config: Config): RateLimitsOptions['perMinute'] {
  return {
    'session.generate': config.rateLimitPerMinute,
    'session.validate': config.rateLimitPerMinute,
    'session.reset': config.rateLimitPerMinute,
    'chat.send': config.chatRateLimitPerMinute,
    'files.upload': config.uploadRateLimitPerMinute,
    'session.messages': config.sessionMessagesPerMinute,
  };
}

/** What the procedures are given: the process's services, the server's, and the admin's. */
export function apiDepsOf(deps: ProcessDeps, services: ServerServices, admin: ApiDeps['admin']): ApiDeps {
  const { chat, files, rateLimits, validationLimits, refusalGate } = services;
  return { log: deps.log, sessions: deps.sessions, audit: deps.audit, events: deps.events, chat, files, rateLimits, validationLimits, refusalGate, admin };
}
