import { initTRPC, TRPCError } from '@trpc/server';
import { sessionInputSchema } from '../../shared/session.js';
import { checkedLimitsOf } from '../security/checked-limits.js';
import type { RateLimitBucket, SessionQuotaBucket } from '../security/rate-limits.js';
import type { ApiContext } from './context.js';
import { toApiError } from './domain-errors.js';
import { describeError } from './error-shape.js';
import { RateLimitedError } from './rate-limited.error.js';
import { BudgetedSubscription, isAsyncIterable } from './subscription-budget.js';

const t = initTRPC.context<ApiContext>().create({
  isDev: false,
  // Subscriptions are served over the WebSocket only, where each socket's limits apply (see trpc-route.ts).
  sse: { enabled: false },
  errorFormatter({ shape, error, ctx }) {
    const { message, data } = describeError(error, ctx?.actor.requestId ?? undefined);
    return { code: shape.code, message, data };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns the services' typed refusals into the API's error codes; everything else stays a 500. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const mapped = toApiError(result.error.cause);
  if (mapped instanceof TRPCError) throw mapped;
  return result;
});

/**
 * Every subscription counts against its socket's budget (ApiContext.subscriptions), whichever
 * router it is in: it is part of the procedure every other one is built from, so none can skip it.
 * Over HTTP there is no budget, and no subscription either (SSE is off).
 */
const subscriptionBudget = t.middleware(async ({ type, ctx, signal, next }) => {
  const result = await next();
  if (type !== 'subscription' || !result.ok || !ctx.subscriptions) return result;
  // An observable would slip past the count: this server's subscriptions are async iterables only.
  if (!isAsyncIterable(result.data)) throw new Error('A subscription must return an async iterable, so that its socket\'s budget can count it.');
  return { ...result, data: new BudgetedSubscription(result.data, ctx.subscriptions, signal) };
});

export const publicProcedure = t.procedure.use(domainErrors).use(subscriptionBudget);

/** For procedures on one session: the request's credential must own it, and it must be live. */
export const ownedSessionProcedure = publicProcedure.input(sessionInputSchema).use(async ({ ctx, input, next }) => {
  const session = await ctx.deps.sessions.authorize(input.sessionId, ctx.credential, ctx.actor);
  return next({ ctx: { session } });
});

/**
 * For the operator's procedures: the caller must hold ADMIN_TOKEN (see ApiContext.adminCredential).
 * With no token configured they do not exist (NOT_FOUND), as the admin routes do not.
 */
export const adminProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const decision = await ctx.deps.admin.gate.check(ctx.adminCredential, ctx.actor);
  if (decision.allowed) return next();
  switch (decision.reason) {
    case 'disabled':
      throw new TRPCError({ code: 'NOT_FOUND', message: 'The admin API is off on this server. Set ADMIN_TOKEN to turn it on.' });
    case 'limited': {
      ctx.response.setHeader('Retry-After', String(decision.retryAfterSeconds));
      const seconds = decision.retryAfterSeconds;
      // The cause carries the wait into the error's data (retryAfterSeconds), as other 429s do.
      const cause = new RateLimitedError(seconds);
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Too many wrong admin tokens from your network. Please wait ${seconds} seconds and try again.`, cause });
    }
    case 'missing':
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The admin API needs the admin token: send it as Authorization: Bearer <token>.' });
    default:
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The admin token is wrong. Check ADMIN_TOKEN and send it again.' });
  }
});

/** Counts the call against the client's budget for `bucket`; refuses with 429 when it is spent. */
export function rateLimited(bucket: RateLimitBucket) {
  return t.middleware(async ({ ctx, next }) => {
    const decision = await ctx.deps.rateLimits.consume(bucket, ctx.actor.ip);
    const checkedLimits = checkedLimitsOf(ctx).add(decision);
    checkedLimits.describeOn(ctx.response);
    if (decision.allowed) return next({ ctx: { checkedLimits } });
    throw await networkRefusal(ctx, bucket, checkedLimits.retryAfterSeconds);
  });
}

/** The 429 of a client's spent budget, its audit row written once per client and window. */
async function networkRefusal(ctx: ApiContext, bucket: RateLimitBucket, retryAfterSeconds: number): Promise<TRPCError> {
  const { refusalGate, audit } = ctx.deps;
  if (await refusalGate.shouldRecord('rate_limit.exceeded', ctx.actor.ip)) {
    await audit.record({ event: 'rate_limit.exceeded', outcome: 'refused', actor: ctx.actor, metadata: { procedure: bucket } });
  }
  const cause = new RateLimitedError(retryAfterSeconds);
  return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
}

/** The 429 of a session's spent quota, its audit row written once per session and window. */
async function sessionRefusal(ctx: ApiContext, sessionId: string, quota: string, cause: RateLimitedError): Promise<TRPCError> {
  const { refusalGate, audit } = ctx.deps;
  if (await refusalGate.shouldRecord('rate_limit.exceeded', `session:${sessionId}`)) {
    await audit.record({ event: 'rate_limit.exceeded', outcome: 'refused', sessionId, actor: ctx.actor, metadata: { quota } });
  }
  return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
}

/**
 * `session.validate`'s budget. A call whose credential is the session's own is no guess: it
 * counts against that session (SESSION_VALIDATIONS_PER_MINUTE), so reloading, or many people
 * behind one office address, never locks anyone out. Every other call (an unknown id, another
 * browser's session, no cookie, a malformed input) may be a guess, and spends the client's
 * budget for validations as before (RATE_LIMIT_PER_MINUTE, shared by all instances in Redis).
 * Runs before the input is parsed, so that a malformed call is counted too.
 */
export const validationBudget = t.middleware(async ({ ctx, getRawInput, next }) => {
  const parsed = sessionInputSchema.safeParse(await getRawInput());
  const ownSession = parsed.success && (await ctx.deps.sessions.isOwnCredential(parsed.data.sessionId, ctx.credential)) ? parsed.data.sessionId : null;
  const decision = ownSession ? await ctx.deps.validationLimits.consume(ownSession) : await ctx.deps.rateLimits.consume('session.validate', ctx.actor.ip);
  const checkedLimits = checkedLimitsOf(ctx).add(decision);
  checkedLimits.describeOn(ctx.response);
  if (decision.allowed) return next({ ctx: { checkedLimits } });
  const seconds = checkedLimits.retryAfterSeconds;
  if (!ownSession) throw await networkRefusal(ctx, 'session.validate', seconds);
  throw await sessionRefusal(ctx, ownSession, 'session.validations', new SessionQuotaError('being opened', seconds, decision.limit));
});

/** What a session does too fast when a quota refuses it, in the words of the refusal. */
const QUOTA_ACTIONS: Record<SessionQuotaBucket, string> = { 'session.messages': 'sending messages' };

/** A session's own quota ran out: the wait is the session's, whichever network it sends from. */
class SessionQuotaError extends RateLimitedError {
  override name = 'SessionQuotaError';
  constructor(action: string, retryAfterSeconds: number, limit: number) {
    super(retryAfterSeconds);
    this.message =
      `This session is ${action} too fast (at most ${limit} a minute, from all its tabs together). ` +
      `Please wait ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'} and try again.`;
  }
}

export interface SessionQuotaOptions {
  /**
   * A call that costs the quota nothing (a resend of what the session already has), asked before
   * anything is spent.
   */
  isFree?: (ctx: ApiContext, input: unknown) => Promise<boolean>;
}

/**
 * Counts the call against the quota of the session it names, once ownership is proven (so nobody
 * can spend another session's quota), and refuses with 429 when it is spent.
 */
export function sessionQuota(bucket: SessionQuotaBucket, options: SessionQuotaOptions = {}) {
  return t.middleware(async ({ ctx, input, next }) => {
    const { sessionId } = sessionInputSchema.parse(input);
    if (await options.isFree?.(ctx, input)) return next();
    const decision = await ctx.deps.rateLimits.consumeSession(bucket, sessionId);
    const checkedLimits = checkedLimitsOf(ctx).add(decision);
    checkedLimits.describeOn(ctx.response);
    if (decision.allowed) return next({ ctx: { checkedLimits } });
    throw await sessionRefusal(ctx, sessionId, bucket, new SessionQuotaError(QUOTA_ACTIONS[bucket], checkedLimits.retryAfterSeconds, decision.limit));
  });
}

/** Procedures that hand the browser a cookie can only answer over HTTP. */
export const httpOnly = t.middleware(({ ctx, next }) => {
  if (ctx.transport !== 'http') {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'This procedure sets a cookie, so call it over HTTP, not over the WebSocket.' });
  }
  return next();
});
