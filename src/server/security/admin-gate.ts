import { createHash, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Actor } from '../services/actor.js';
import type { AuditService } from '../services/audit/audit.service.js';
import { auditRefusal, type RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import { clientKey } from './client-key.js';

/** Why the gate let a caller through, or not. */
export type AdminDecision =
  | { allowed: true }
  | { allowed: false; reason: 'disabled' | 'missing' | 'wrong' }
  | { allowed: false; reason: 'limited'; retryAfterSeconds: number };

export interface AdminGateOptions {
  /** ADMIN_TOKEN; undefined turns every admin surface off. */
  token: string | undefined;
  redis: RedisClient;
  keyPrefix: string;
  audit: AuditService;
  refusalGate: RefusalAuditGate;
  /** Wrong tokens one client may send per window before it is refused outright (default 10). */
  maxFailures?: number;
  /** The window, in seconds (default 15 minutes). */
  windowSeconds?: number;
}

/**
 * Decides whether a caller holds the admin token. Tokens are compared as SHA-256 digests with
 * timingSafeEqual: equal lengths whatever was sent, and no early exit that times the prefix.
 * Wrong tokens are counted per client in Redis (shared by every instance) and audited, so a guess
 * costs the guesser a window and shows in the log.
 */
export class AdminGate {
  private readonly digest: Buffer | undefined;
  private readonly failures: RateLimiterRedis;
  private readonly maxFailures: number;

  constructor(private readonly opts: AdminGateOptions) {
    this.digest = opts.token === undefined ? undefined : sha256(opts.token);
    this.maxFailures = opts.maxFailures ?? 10;
    const duration = opts.windowSeconds ?? 15 * 60;
    this.failures = new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: opts.keyPrefix,
      points: this.maxFailures,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: this.maxFailures, duration }),
    });
  }

  get enabled(): boolean {
    return this.digest !== undefined;
  }

  /**
   * The answer to every attempt is decided by one Redis command sent as the attempt arrives, with
   * no await before it: a wrong token spends its point (atomically: the eleventh of a parallel
   * burst is over the limit however the burst is timed) and a right one reads the count. Redis
   * takes one connection's commands in order, so a right token behind ten wrong ones sees them all
   * and is refused; a guesser cannot win more than `maxFailures` answers per window. A right token
   * spends nothing, so an operator's parallel requests (a dashboard's assets, a scraper) never lock
   * the operator out.
   */
  async check(credential: string | undefined, actor: Actor & { ip: string }): Promise<AdminDecision> {
    if (!this.digest) return { allowed: false, reason: 'disabled' };
    const key = clientKey(actor.ip);
    // No credential is a first visit (a browser before its login prompt), not a guess.
    const right = credential !== undefined && timingSafeEqual(sha256(credential), this.digest);
    if (credential === undefined || right) {
      const spent = await this.failures.get(key);
      if (spent && spent.consumedPoints >= this.maxFailures) return this.limited(spent);
      return right ? { allowed: true } : { allowed: false, reason: 'missing' };
    }
    let decision: AdminDecision = { allowed: false, reason: 'wrong' };
    try {
      await this.failures.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      decision = this.limited(rejection);
    }
    await auditRefusal(this.opts, actor.ip, { event: 'admin.auth_failed', outcome: 'refused', actor });
    return decision;
  }

  private limited(res: RateLimiterRes): AdminDecision {
    return { allowed: false, reason: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
