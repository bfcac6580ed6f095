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
 * events queue up from that moment. The abort listener is what lets a stopped subscription leave
 * without waiting for the session's next event; a signal that aborted before it could be heard
 * closes the feed at once (an 'abort' listener added then would never fire).
 */
export class SessionFeed {
  private readonly onAbort = () => { this.queue.close(); };

  constructor(
    readonly sessionId: string,
    private readonly queue: EventQueue<BusEvent>,
    private readonly source: FeedSource,
    private readonly signal?: AbortSignal,
  ) {
    if (signal?.aborted) queue.close();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Every event after `lastEventId` (a resync first if the log no longer reaches back to it), then
   * the live ones: in order, each once. Live events the replay already gave are dropped by id.
   * Ends after a final event (reset, expiry), on close, or when the signal aborts.
   */
  async *events(lastEventId: string | null | undefined): AsyncGenerator<BusEvent> {
    let lastSeen = lastEventId ?? null;
    if (lastEventId) {
      const missed = await this.source.replay(this.sessionId, lastEventId);
      if (this.signal?.aborted) return;
      for (const entry of missed) {
        lastSeen = entry.id;
        yield entry;
        if (FINAL_EVENT_TYPES.has(entry.event.type)) return;
      }
    }
    for await (const entry of this.queue) {
      if (lastSeen && compareEventIds(entry.id, lastSeen) <= 0) continue;
      lastSeen = entry.id;
      yield entry;
      if (FINAL_EVENT_TYPES.has(entry.event.type)) return;
    }
  }

  /** Leaves the channel (the last local subscriber of the session unsubscribes); safe to repeat. */
  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    await this.source.leave(this.sessionId, this.queue);
  }
}
