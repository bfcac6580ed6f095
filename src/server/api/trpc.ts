import { initTRPC, TRPCError } from '@trpc/server';
import { sessionInputSchema } from '../../shared/session.js';
import type { RateLimitBucket, SessionQuotaBucket } from '../security/rate-limits.js';
import { RateLimitedError } from '../security/rate-limited.error.js';
import { clientBudget, sessionBudget, spendOrRefuse, type SessionQuota } from '../security/spend-or-refuse.js';
import type { ApiContext } from './context.js';
import { toApiError } from './domain-errors.js';
import { describeError } from './error-shape.js';
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

/**
 * What every procedure's outcome goes through, in one middleware (each level of tRPC's chain copies
 * the call's options, and this runs on every call):
 * - the services' typed refusals become the API's error codes; everything else stays a 500;
 * - a subscription counts against its socket's budget (ApiContext.subscriptions), whichever router
 *   it is in, so none can skip it. Over HTTP there is no budget, and no subscription either (SSE is off).
 */
const outcomes = t.middleware(async ({ type, ctx, signal, next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toApiError(result.error.cause);
    if (mapped instanceof TRPCError) throw mapped;
    return result;
  }
  if (type !== 'subscription' || !ctx.subscriptions) return result;
  // An observable would slip past the count: this server's subscriptions are async iterables only.
  if (!isAsyncIterable(result.data)) throw new Error('A subscription must return an async iterable, so that its socket\'s budget can count it.');
  return { ...result, data: new BudgetedSubscription(result.data, ctx.subscriptions, signal) };
});

export const publicProcedure = t.procedure.use(outcomes);

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
    const budget = clientBudget(ctx.deps.rateLimits, bucket, ctx.actor);
    return next({ ctx: { checkedLimits: await spendOrRefuse(budget, ctx.response, ctx.deps, ctx.checkedLimits) } });
  });
}

/** A session's validations by its own credential (SESSION_VALIDATIONS_PER_MINUTE). */
const VALIDATIONS: SessionQuota = { name: 'session.validations', action: 'being opened' };

/**
 * `session.validate`'s budget. A call whose credential is the session's own is no guess: it
 * counts against that session (SESSION_VALIDATIONS_PER_MINUTE), so reloading, or many people
 * behind one office address, never locks anyone out. Every other call (an unknown id, another
 * browser's session, no cookie, a malformed input) may be a guess, and spends the client's
 * budget for validations as before (RATE_LIMIT_PER_MINUTE, shared by all instances in Redis).
 * Runs before the input is parsed, so that a malformed call is counted too. The session read to
 * tell whose credential it is answers the call (`ctx.validation`): it is read once.
 */
export const validationBudget = t.middleware(async ({ ctx, getRawInput, next }) => {
  const parsed = sessionInputSchema.safeParse(await getRawInput());
  const validation = parsed.success ? await ctx.deps.sessions.prepareValidation(parsed.data.sessionId, ctx.credential) : null;
  const budget =
    parsed.success && validation?.ownCredential
      ? sessionBudget(VALIDATIONS, parsed.data.sessionId, ctx.actor, () => ctx.deps.validationLimits.consume(parsed.data.sessionId))
      : clientBudget(ctx.deps.rateLimits, 'session.validate', ctx.actor);
  return next({ ctx: { checkedLimits: await spendOrRefuse(budget, ctx.response, ctx.deps, ctx.checkedLimits), validation } });
});

/** What a session does too fast when a quota refuses it, in the words of the refusal. */
const QUOTA_ACTIONS: Record<SessionQuotaBucket, string> = { 'session.messages': 'sending messages' };

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
    const budget = sessionBudget({ name: bucket, action: QUOTA_ACTIONS[bucket] }, sessionId, ctx.actor, () => ctx.deps.rateLimits.consumeSession(bucket, sessionId));
    return next({ ctx: { checkedLimits: await spendOrRefuse(budget, ctx.response, ctx.deps, ctx.checkedLimits) } });
  });
}

/** Procedures that hand the browser a cookie can only answer over HTTP. */
export const httpOnly = t.middleware(({ ctx, next }) => {
  if (ctx.transport !== 'http') {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'This procedure sets a cookie, so call it over HTTP, not over the WebSocket.' });
  }
  return next();
});
