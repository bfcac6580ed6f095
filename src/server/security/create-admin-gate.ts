import type { RedisClient } from '../redis/redis-client.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import type { AuditService } from '../services/audit/audit.service.js';
import { AdminGate } from './admin-gate.js';

export interface AdminGateSetup {
  /** ADMIN_TOKEN; unset turns every admin surface off. */
  token: string | undefined;
  /** A connection with no offline queue: a check answers at once, from memory while Redis is away. */
  redis: RedisClient;
  redisPrefix: string;
  audit: AuditService;
  /** The process's one refusal gate (createRefusalAuditGate), shared with its other surfaces. */
  refusalGate: RefusalAuditGate;
}

/**
 * The admin gate of any process with an admin surface: the web server, and a worker serving its
 * /metrics. Built the same way everywhere so that they share Redis keys: wrong tokens sent to any
 * of them count towards one lockout, and one refusal row per client and minute is written whoever refused.
 */
export function createAdminGate(opts: AdminGateSetup): AdminGate {
  return new AdminGate({
    token: opts.token,
    redis: opts.redis,
    keyPrefix: `${opts.redisPrefix}:admin-failures`,
    audit: opts.audit,
    refusalGate: opts.refusalGate,
  });
}
