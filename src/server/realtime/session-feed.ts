import { compareEventIds, previousEventId } from '../../shared/event-id.js';
import { FINAL_EVENT_TYPES } from '../../shared/events.js';
import type { BusEvent } from './bus-event.js';
import type { EventQueue } from './event-queue.js';

/** What a feed needs of the bus that opened it. */
export interface FeedSource {
  replay(sessionId: string, lastEventId: string): Promise<BusEvent[]>;
  since(sessionId: string, lastEventId: string | null): Promise<BusEvent[]>;
  leave(feed: SessionFeed): Promise<void>;
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

  /**
   * `origin`: the id after which the log holds everything this feed is to give (null: all of it).
   * For a resume, its `lastEventId`. For a subscription without one, the log's last id read just
   * before joining: it has no id of its own, yet should live delivery break before it has given or
   * queued anything, catching up must know which logged events came after it began. Read after
   * joining, the id could already cover an event published once the subscriber connection had
   * dropped (a drop is noticed late); read before, it cannot, and the worst is that an event
   * published in the instant between read and join is given after a heal though it came just
   * before the subscription. A `session.resync` instead would send every idle client refetching
   * after each Redis blip, whether anything happened or not.
   */
  constructor(
    readonly sessionId: string,
    private readonly queue: EventQueue<BusEvent>,
    private readonly source: FeedSource,
    private readonly origin: string | null,
  ) {}

  /**
   * Puts every event after `lastEventId` ahead of the live ones (a resync first if the log no
   * longer reaches back to it). Live events the replay already gave are then dropped by id.
   */
  async resumeAfter(lastEventId: string): Promise<void> {
    this.lastSeen = lastEventId;
    this.missed = await this.source.replay(this.sessionId, lastEventId);
  }

  /** Live delivery, from the bus. */
  receive(entry: BusEvent): void {
    this.queue.push(entry);
  }

  /**
   * Live delivery broke (the bus lost its subscriber connection): events may be missing from the
   * queue, so it gives nothing more until `release`, though live events keep queueing. Replayed
   * events already in hand still go out: they come from the log.
   */
  hold(): void {
    this.queue.hold();
  }

  /**
   * What the log holds that this feed has still to give, read after the last event given; else
   * (nothing given yet) from the first one queued; else after its origin. A `session.resync` comes
   * first where the log no longer reaches back. The caller reads this only once the live channel
   * is joined again, so that whatever the read misses arrives live.
   */
  catchUp(): Promise<BusEvent[]> {
    const first = this.queue.peek();
    const after = this.lastSeen ?? (first ? (previousEventId(first.id) ?? null) : this.origin);
    return after === null ? this.source.since(this.sessionId, null) : this.source.replay(this.sessionId, after);
  }

  /**
   * Ends a hold with what `catchUp` read, ahead of the live events queued meanwhile: those the read
   * already gave are dropped by id, as on a resume.
   */
  release(caughtUp: readonly BusEvent[]): void {
    this.queue.release(caughtUp);
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

  /** Ends a `next()` that is waiting, without leaving the channel: the bus is going away. */
  end(): void {
    this.ended = true;
    this.queue.close();
  }

  /**
   * Leaves the channel (the last local subscriber of the session unsubscribes) and ends a `next()`
   * that is waiting; safe to repeat.
   */
  async close(): Promise<void> {
    this.end();
    await this.source.leave(this);
  }
}
