import type { Actor } from '../services/actor.js';
import type { AuditEntry } from '../services/audit/audit.service.js';
import { auditRefusal, type RefusalAudit } from '../services/audit/refusal-audit-gate.js';
import { CheckedLimits, type HeaderTarget } from './checked-limits.js';
import type { RateLimitBucket, RateLimitDecision, RateLimits } from './rate-limits.js';
import { RateLimitedError, SessionQuotaError } from './rate-limited.error.js';

/** A budget one call spends a point of, and how its refusal is recorded and told. */
export interface Budget {
  spend(): Promise<RateLimitDecision>;
  /** Whose refusals the audit gate counts together: the client's address, or `session:<id>`. */
  refusedClient: string;
  /** The refusal's audit row, besides its event and outcome. */
  refusalRow: Pick<AuditEntry, 'sessionId' | 'actor' | 'metadata'>;
  /** What the client reads; its wait becomes the 429's Retry-After. */
  refusal(retryAfterSeconds: number, limit: number): RateLimitedError;
}

/** A client's budget for one procedure or route, per address (an IPv6 client's per /64). */
export function clientBudget(rateLimits: Pick<RateLimits, 'consume'>, bucket: RateLimitBucket, actor: Actor & { ip: string }): Budget {
  return {
    spend: () => rateLimits.consume(bucket, actor.ip),
    refusedClient: actor.ip,
    refusalRow: { actor, metadata: { procedure: bucket } },
    refusal: (retryAfterSeconds) => new RateLimitedError(retryAfterSeconds),
  };
}

/** A quota of one session, whichever client spends it. */
export interface SessionQuota {
  /** Its name in the refusal's audit row. */
  name: string;
  /** What the session does too fast, in the refusal's words ("sending messages"). */
  action: string;
}

/** What `sessionId` may do, once the caller may spend it: its refusal is the session's. */
export function sessionBudget(quota: SessionQuota, sessionId: string, actor: Actor, spend: () => Promise<RateLimitDecision>): Budget {
  return {
    spend,
    refusedClient: `session:${sessionId}`,
    refusalRow: { sessionId, actor, metadata: { quota: quota.name } },
    refusal: (retryAfterSeconds, limit) => new SessionQuotaError(quota.action, retryAfterSeconds, limit),
  };
}

/**
 * The one way a budget refuses. Spends a point, and tells the answer where every limit the call
 * was checked against stands (`checked`, then this one: the RateLimit fields). When this budget is
 * spent, records the refusal (once per client or session and window) and throws the budget's
 * RateLimitedError, which the API answers as 429 with Retry-After. Returns the limits checked so
 * far, for the call's next budget.
 */
export async function spendOrRefuse(budget: Budget, answer: HeaderTarget, refusals: RefusalAudit, checked = new CheckedLimits()): Promise<CheckedLimits> {
  const decision = await budget.spend();
  const checkedLimits = checked.add(decision);
  checkedLimits.describeOn(answer);
  if (decision.allowed) return checkedLimits;
  await auditRefusal(refusals, budget.refusedClient, { event: 'rate_limit.exceeded', outcome: 'refused', ...budget.refusalRow });
  throw budget.refusal(checkedLimits.retryAfterSeconds, decision.limit);
}
