import { tracked, TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { FINAL_EVENT_TYPES, type eventsInputSchema } from '../../../../shared/events.js';
import { SessionAccessError } from '../../../services/session/session.errors.js';
import type { ApiContext } from '../../context.js';
import { toApiError } from '../../domain-errors.js';

type EventsInput = z.infer<typeof eventsInputSchema>;

/**
 * The session's events as tracked envelopes: tRPC's client resumes with the last id it saw. The
 * credential is checked for every subscription, since a socket outlives cookies. An ended session
 * yields its final event (if still retained) and completes.
 */
export async function* eventsHandler({ ctx, input, signal }: { ctx: ApiContext; input: EventsInput; signal: AbortSignal | undefined }) {
  const budget = ctx.subscriptions;
  if (budget && budget.active >= budget.max) {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `This connection already has ${budget.max} live subscriptions, the most it may hold. Close one first.` });
  }
  if (budget) budget.active += 1;
  try {
    try {
      await ctx.deps.sessions.authorize(input.sessionId, ctx.credential, ctx.actor);
    } catch (error) {
      // A generator's errors arrive after the middlewares have returned, so they are mapped here.
      if (!(error instanceof SessionAccessError) || (error.reason !== 'reset' && error.reason !== 'expired')) throw toApiError(error);
      const last = await ctx.deps.events.last(input.sessionId);
      if (last && FINAL_EVENT_TYPES.has(last.event.type) && last.id !== input.lastEventId) yield tracked(last.id, last.event);
      return;
    }
    for await (const { id, event } of ctx.deps.events.subscribe(input.sessionId, input.lastEventId, signal)) {
      yield tracked(id, event);
    }
  } finally {
    if (budget) budget.active -= 1;
  }
}
