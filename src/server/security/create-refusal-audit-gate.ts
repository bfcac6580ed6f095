import type { RedisClient } from '../redis/redis-client.js';
import { RefusalAuditGate } from './rate-limits.js';

/**
 * The gate that keeps repeated refusals out of the audit log, on keys every process of a deployment
 * shares. Build it once per process and hand that one to every surface that refuses (API, uploads,
 * host, admin): while Redis is away each instance falls back to its own memory, so two instances
 * in one process would each let the same client's refusal through.
 */
export function createRefusalAuditGate(redis: RedisClient, redisPrefix: string): RefusalAuditGate {
  return new RefusalAuditGate({ redis, keyPrefix: `${redisPrefix}:audit-gate` });
}
