import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitDecision } from './rate-limits.js';

const WINDOW_SECONDS = 60;

/**
 * How often one session may be validated by a caller that proves its credential
 * (SESSION_VALIDATIONS_PER_MINUTE). Counted in this instance's memory, not in Redis: such a call
 * is no guess, so there is nothing an attacker gains from spreading it over instances, and a
 * reload need not wait on Redis. The budget is the session's, so an office behind one address
 * never shares it, and reloading never spends the address's budget for guesses.
 */
export class SessionValidationLimits {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly perMinute: number) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: WINDOW_SECONDS });
  }

  /** Spends one of the session's validations. */
  async consume(sessionId: string): Promise<RateLimitDecision> {
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await this.limiter.consume(sessionId);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      res = rejection;
      allowed = false;
    }
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
      windowSeconds: WINDOW_SECONDS,
    };
  }
}
