import { tracked, TRPCError, type TrackedEnvelope } from '@trpc/server';
import { compareEventIds } from '../../../../shared/event-id.js';
import { FINAL_EVENT_TYPES, type EventsInput, type SessionEvent } from '../../../../shared/events.js';
import { SessionAccessError } from '../../../services/session/session.errors.js';
import type { ApiContext } from '../../context.js';
import { toApiError } from '../../domain-errors.js';

type TrackedEvents = AsyncGenerator<TrackedEnvelope<SessionEvent>, void>;

/**
 * The session's events as tracked envelopes: tRPC's client resumes with the last id it saw. The
 * credential is checked for every subscription, since a socket outlives cookies.
 */
export async function* eventsHandler({ ctx, input, signal }: { ctx: ApiContext; input: EventsInput; signal: AbortSignal | undefined }): TrackedEvents {
  const budget = ctx.subscriptions;
  if (budget && budget.active >= budget.max) {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `This connection already has ${budget.max} live subscriptions, the most it may hold. Close one first.` });
  }
  if (budget) budget.active += 1;
  try {
    yield* sessionEvents(ctx, input, signal);
  } finally {
    if (budget) budget.active -= 1;
  }
}

/**
 * The channel is joined before the credential check: a final event published in between is then
 * either in the feed or already visible to the check as the session having ended. A stop can come
 * during any await, and tRPC's return() only lands at the next yield, so the signal is looked at
 * after each one; the feed closes in `finally` whatever happens.
 */
async function* sessionEvents(ctx: ApiContext, input: EventsInput, signal: AbortSignal | undefined): TrackedEvents {
  if (signal?.aborted) return;
  const feed = await ctx.deps.events.open(input.sessionId, signal);
  try {
    if (signal?.aborted) return;
    try {
      await ctx.deps.sessions.authorize(input.sessionId, ctx.credential, ctx.actor);
    } catch (error) {
      yield* endedSession(ctx, input, error);
      return;
    }
    if (signal?.aborted) return;
    for await (const { id, event } of feed.events(input.lastEventId)) yield tracked(id, event);
  } finally {
    await feed.close();
  }
}

/**
 * An ended session shows its owner its final event (which names the session that replaced it) and
 * completes. Anyone else holding only its id, or an owner whose final event is no longer retained,
 * gets the refusal with its reason. A generator's errors arrive after the middlewares have
 * returned, so they are mapped here.
 */
async function* endedSession(ctx: ApiContext, input: EventsInput, error: unknown): TrackedEvents {
  if (!(error instanceof SessionAccessError) || !error.askedByOwner) throw toApiError(error);
  const last = await ctx.deps.events.last(input.sessionId);
  if (!last || !FINAL_EVENT_TYPES.has(last.event.type)) throw toApiError(error);
  if (!input.lastEventId || compareEventIds(last.id, input.lastEventId) > 0) yield tracked(last.id, last.event);
}
