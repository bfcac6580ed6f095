import { tracked, type TrackedEnvelope } from '@trpc/server';
import { compareEventIds } from '../../../../shared/event-id.js';
import { FINAL_EVENT_TYPES, type EventsInput, type SessionEvent } from '../../../../shared/events.js';
import type { BusEvent } from '../../../realtime/bus-event.js';
import type { SessionFeed } from '../../../realtime/session-feed.js';
import { SessionAccessError } from '../../../services/session/session.errors.js';
import type { ApiContext } from '../../context.js';
import { toApiError } from '../../domain-errors.js';

type Envelope = TrackedEnvelope<SessionEvent>;
type Step = IteratorResult<Envelope, undefined>;

const DONE: Step = Object.freeze({ done: true, value: undefined });

/**
 * The session's events as tracked envelopes: tRPC's client resumes with the last id it saw. The
 * credential is checked for every subscription, since a socket outlives cookies.
 */
export function eventsHandler({ ctx, input }: { ctx: ApiContext; input: EventsInput }): AsyncIterableIterator<Envelope, undefined> {
  return new SessionEventStream(ctx, input);
}

/**
 * One subscription, written as a plain iterator rather than a chain of async generators: a
 * subscription idles for hours holding only this object and its feed, and each event reaches tRPC
 * in one promise hop instead of several per socket. Nothing starts before tRPC first asks for an
 * event (it drops an iterable it never iterates, when the socket closed meanwhile). tRPC calls
 * `return()` on a stop, also while a `next()` waits; a stop during the start's awaits is looked
 * at after each of them, and whatever was joined is left.
 */
class SessionEventStream implements AsyncIterableIterator<Envelope, undefined> {
  private feed: SessionFeed | undefined;
  private started = false;
  /** An ended session's final event, shown once to its owner before the stream completes. */
  private finalEvent: BusEvent | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ApiContext,
    private readonly input: EventsInput,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Once started, not an async function: a waiting subscription holds the feed's promise and one more. */
  next(): Promise<Step> {
    if (this.stopped) return Promise.resolve(DONE);
    const finalEvent = this.takeFinalEvent();
    if (finalEvent) return Promise.resolve(this.toStep(finalEvent));
    // A stopped stream's feed is closed, and a closed feed gives nothing more.
    if (this.started && this.feed) return this.feed.next().then(this.toStep, this.fail);
    return this.begin();
  }

  private readonly toStep = (entry: BusEvent | undefined): Step | Promise<Step> =>
    entry === undefined ? this.return() : { done: false, value: tracked(entry.id, entry.event) };

  private readonly fail = async (error: unknown): Promise<never> => {
    await this.return();
    throw toApiError(error);
  };

  private async begin(): Promise<Step> {
    try {
      await this.start();
    } catch (error) {
      return this.fail(error);
    }
    this.started = true;
    return this.next();
  }

  /** Idempotent: tRPC calls it on a stop and again when it lets go of the iterator. */
  async return(): Promise<Step> {
    this.stopped = true;
    await this.feed?.close();
    return DONE;
  }

  /**
   * The channel is joined before the credential check: a final event published in between is then
   * either in the feed or already visible to the check as the session having ended.
   */
  private async start(): Promise<void> {
    const { sessionId, lastEventId } = this.input;
    this.feed = await this.ctx.deps.events.open(sessionId, lastEventId ?? null);
    if (this.stopped) return this.feed.close();
    try {
      await this.ctx.deps.sessions.authorize(sessionId, this.ctx.credential, this.ctx.actor);
    } catch (error) {
      this.finalEvent = await finalEventFor(this.ctx, this.input, error);
      return this.feed.close();
    }
    if (lastEventId) await this.feed.resumeAfter(lastEventId);
  }

  private takeFinalEvent(): BusEvent | undefined {
    const event = this.finalEvent;
    this.finalEvent = undefined;
    return event;
  }
}

/**
 * An ended session shows its owner its final event (which names the session that replaced it) and
 * completes; nothing when the owner already saw it. Anyone else holding only its id, or an owner
 * whose final event is no longer retained, gets the refusal with its reason. A subscription's
 * errors arrive after the middlewares have returned, so they are mapped here.
 */
async function finalEventFor(ctx: ApiContext, input: EventsInput, error: unknown): Promise<BusEvent | undefined> {
  if (!(error instanceof SessionAccessError) || !error.askedByOwner) throw toApiError(error);
  const last = await ctx.deps.events.last(input.sessionId);
  if (!last || !FINAL_EVENT_TYPES.has(last.event.type)) throw toApiError(error);
  return !input.lastEventId || compareEventIds(last.id, input.lastEventId) > 0 ? last : undefined;
}
