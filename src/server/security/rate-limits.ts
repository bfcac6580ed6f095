import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { clientKey } from './client-key.js';

/** Per-client budgets: each procedure (or route) with one of its own. */
export type RateLimitBucket = 'session.generate' | 'session.validate' | 'session.reset' | 'chat.send' | 'files.upload';
/** Per-session quotas: what one session may do, whichever client does it. */
export type SessionQuotaBucket = 'session.messages';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the budget is whole again. */
  resetSeconds: number;
  /** The window the limit counts over, for `RateLimit-Policy`. */
  windowSeconds: number;
}

export interface RateLimitsOptions {
  redis: RedisClient;
  keyPrefix: string;
  /** Points per minute of each bucket. */
  perMinute: Record<RateLimitBucket | SessionQuotaBucket, number>;
}

const WINDOW_SECONDS = 60;

/**
 * Budgets counted in Redis, so every instance shares them. While Redis is unreachable an
 * in-memory limiter of the same size takes over in each instance (rate-limiter-flexible's
 * insurance), so an outage neither opens the gate nor closes it.
 */
export class RateLimits {
  private readonly limiters = new Map<RateLimitBucket | SessionQuotaBucket, RateLimiterRedis>();

  constructor(private readonly opts: RateLimitsOptions) {
    for (const [bucket, points] of Object.entries(opts.perMinute) as [RateLimitBucket | SessionQuotaBucket, number][]) {
      this.limiters.set(
        bucket,
        new RateLimiterRedis({
          storeClient: opts.redis,
          keyPrefix: `${opts.keyPrefix}:${bucket}`,
          points,
          duration: WINDOW_SECONDS,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_SECONDS }),
        }),
      );
    }
  }

  /** Spends one point of the client's budget (IPv6 clients share one per /64). */
  consume(bucket: RateLimitBucket, clientIp: string): Promise<RateLimitDecision> {
    return this.spend(bucket, clientKey(clientIp));
  }

  /** Spends one point of the session's quota. */
  consumeSession(bucket: SessionQuotaBucket, sessionId: string): Promise<RateLimitDecision> {
    return this.spend(bucket, sessionId);
  }

  private async spend(bucket: RateLimitBucket | SessionQuotaBucket, key: string): Promise<RateLimitDecision> {
    const limiter = this.limiters.get(bucket);
    if (!limiter) throw new Error(`No rate limit is configured for ${bucket}.`);
    try {
      return this.decision(bucket, await limiter.consume(key), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.decision(bucket, rejection, false);
      throw rejection;
    }
  }

  private decision(bucket: RateLimitBucket | SessionQuotaBucket, res: RateLimiterRes, allowed: boolean): RateLimitDecision {
    return {
      allowed,
      limit: this.opts.perMinute[bucket],
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
      windowSeconds: WINDOW_SECONDS,
    };
  }
}
