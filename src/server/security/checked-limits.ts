import type { RateLimitDecision } from './rate-limits.js';

/** Where the header fields go: tRPC's ResponseControl and node's ServerResponse both fit. */
export interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/**
 * Every limit one call was checked against, told as the IETF RateLimit header fields in the
 * syntax this API has always sent (draft-ietf-httpapi-ratelimit-headers-07): `RateLimit-Policy`
 * lists each policy, `RateLimit` can carry only one, so it is the one closest to exhaustion. Showing
 * only the last limit checked would let a client read "50 left" while another limit has none.
 */
export class CheckedLimits {
  private readonly decisions: RateLimitDecision[] = [];

  add(decision: RateLimitDecision): this {
    this.decisions.push(decision);
    return this;
  }

  get refused(): boolean {
    return this.decisions.some((decision) => !decision.allowed);
  }

  /**
   * Until every spent limit has room again: the longest wait among them. A limit this call spent to
   * zero counts too, though it let the call through, since it would refuse the retry.
   */
  get retryAfterSeconds(): number {
    return Math.max(1, ...this.decisions.filter((decision) => decision.remaining === 0).map((decision) => decision.resetSeconds));
  }

  /** Sets `RateLimit-Policy` and `RateLimit`, and `Retry-After` once a limit refused. */
  describeOn(target: HeaderTarget): void {
    const closest = this.closestToExhaustion();
    if (!closest) return;
    target.setHeader('RateLimit-Policy', this.decisions.map((decision) => `${decision.limit};w=${decision.windowSeconds}`).join(', '));
    target.setHeader('RateLimit', `limit=${closest.limit}, remaining=${closest.remaining}, reset=${closest.resetSeconds}`);
    if (this.refused) target.setHeader('Retry-After', String(this.retryAfterSeconds));
  }

  /** Fewest points left; between equals, the longer wait, so that `reset` agrees with `Retry-After`. */
  private closestToExhaustion(): RateLimitDecision | undefined {
    return this.decisions.reduce<RateLimitDecision | undefined>((best, decision) => {
      if (!best || decision.remaining < best.remaining) return decision;
      return decision.remaining === best.remaining && decision.resetSeconds > best.resetSeconds ? decision : best;
    }, undefined);
  }
}
