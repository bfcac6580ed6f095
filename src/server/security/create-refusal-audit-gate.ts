import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClient } from '../redis/redis-client.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import { clientKey } from './client-key.js';

const WINDOW_SECONDS = 60;

/**
 * The gate that keeps repeated refusals out of the audit log, on keys every process of a deployment
 * shares. Build it once per process and hand that one to every surface that refuses (API, uploads,
 * host, admin): while Redis is away each gate falls back to its own memory, so two gates in one
 * process would each let the same client's refusal through.
 */
export function createRefusalAuditGate(redis: RedisClient, redisPrefix: string): RefusalAuditGate {
  const gate = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${redisPrefix}:audit-gate`,
    points: 1,
    duration: WINDOW_SECONDS,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: 1, duration: WINDOW_SECONDS }),
  });
  return {
    async shouldRecord(event, client) {
      try {
        await gate.consume(`${event}:${clientKey(client)}`);
        return true;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return false;
        throw rejection;
      }
    },
  };
}
