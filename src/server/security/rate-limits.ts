import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { clientKey } from './client-key.js';

/** The procedures that are rate limited, each with its own budget per client. */
export type RateLimitBucket = 'session.generate' | 'session.validate' | 'session.reset';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the budget is whole again. */
  resetSeconds: number;
}

const WINDOW_SECONDS = 60;

/**
 * Per-client budgets counted in Redis, so every instance shares them. While Redis is unreachable
 * an in-memory limiter of the same size takes over in each instance (rate-limiter-flexible's
 * insurance), so an outage neither opens the gate nor closes it.
 */
export class RateLimits {
  private readonly limiter: RateLimiterRedis;

  constructor(private readonly opts: { redis: Redis; perMinute: number; keyPrefix: string }) {
    this.limiter = new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: opts.keyPrefix,
      points: opts.perMinute,
      duration: WINDOW_SECONDS,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: opts.perMinute, duration: WINDOW_SECONDS }),
    });
  }

  get policy(): string {
    return `${this.opts.perMinute};w=${WINDOW_SECONDS}`;
  }

  async consume(bucket: RateLimitBucket, client: string): Promise<RateLimitDecision> {
    try {
      const res = await this.limiter.consume(`${bucket}:${clientKey(client)}`);
      return this.decision(res, true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.decision(rejection, false);
      throw rejection;
    }
  }

  private decision(res: RateLimiterRes, allowed: boolean): RateLimitDecision {
    return {
      allowed,
      limit: this.opts.perMinute,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    };
  }
}

/**
 * Lets through one audit row per client, event and window, so that a client hammering a refusal
 * cannot flood the audit log with it.
 */
export class RefusalAuditGate {
  private readonly gate: RateLimiterRedis;

  constructor(opts: { redis: Redis; keyPrefix: string }) {
    this.gate = new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: opts.keyPrefix,
      points: 1,
      duration: WINDOW_SECONDS,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: 1, duration: WINDOW_SECONDS }),
    });
  }

  async shouldRecord(event: string, client: string): Promise<boolean> {
    try {
      await this.gate.consume(`${event}:${clientKey(client)}`);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    }
  }
}
