import { compareEventIds } from '../../shared/event-id.js';
import { FINAL_EVENT_TYPES } from '../../shared/events.js';
import type { BusEvent } from './event-bus.js';
import type { EventQueue } from './event-queue.js';

/** What a feed needs of the bus that opened it. */
export interface FeedSource {
  replay(sessionId: string, lastEventId: string): Promise<BusEvent[]>;
  leave(sessionId: string, queue: EventQueue<BusEvent>): Promise<void>;
}

/**
 * One subscriber's hold on a session's live channel, taken before anything else is read: live
 * events queue up from that moment. A plain object with a `next()` rather than an async
 * generator: an idle subscription holds only this and its queue, and an event reaches the
 * subscriber in one promise hop.
 */
export class SessionFeed {
  /** Replayed events, given before the live ones. */
  private missed: BusEvent[] | undefined;
  private lastSeen: string | null = null;
  private ended = false;

  constructor(
    readonly sessionId: string,
    private readonly queue: EventQueue<BusEvent>,
    private readonly source: FeedSource,
  ) {}

  /**
   * Puts every event after `lastEventId` ahead of the live ones (a resync first if the log no
   * longer reaches back to it). Live events the replay already gave are then dropped by id.
   */
  async resumeAfter(lastEventId: string): Promise<void> {
    this.lastSeen = lastEventId;
    this.missed = await this.source.replay(this.sessionId, lastEventId);
  }

  /**
   * The next event, in order, each once; undefined once the feed has ended: after a final event
   * (reset, expiry) or on close. Rejects when the subscriber fell too far behind. Not an async
   * function, for the queue's reason: an idle feed holds one pending promise, no suspended frame.
   */
  next(): Promise<BusEvent | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    const missed = this.missed?.shift();
    if (missed) return Promise.resolve(this.give(missed));
    return this.queue.next().then((live) => {
      if (live.done) return undefined;
      // A live event the replay already gave: wait for the one after it.
      if (this.lastSeen !== null && compareEventIds(live.value.id, this.lastSeen) <= 0) return this.next();
      return this.give(live.value);
    });
  }

  private give(entry: BusEvent): BusEvent {
    this.lastSeen = entry.id;
    if (FINAL_EVENT_TYPES.has(entry.event.type)) this.ended = true;
    return entry;
  }

  /**
   * Leaves the channel (the last local subscriber of the session unsubscribes) and ends a `next()`
   * that is waiting; safe to repeat.
   */
  async close(): Promise<void> {
    this.ended = true;
    await this.source.leave(this.sessionId, this.queue);
  }
}
