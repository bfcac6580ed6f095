import type { ChainableCommander } from 'ioredis';
import { compareEventIds, nextEventId, previousEventId } from '../../shared/event-id.js';
import { sessionEventSchema, type SessionEvent } from '../../shared/events.js';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../services/event-publisher.js';
import type { BusEvent } from './bus-event.js';
import { EventQueue } from './event-queue.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { LiveChannel } from '../redis/live-channels.js';
import { LuaScript } from '../redis/lua-script.js';
import { SessionFeed, type FeedSource } from './session-feed.js';
import { shareJson } from './shared-json.js';

export interface EventBusOptions {
  /** Commands: XADD, XRANGE, MULTI; each touches one session's keys, so one slot on a cluster. */
  redis: RedisClient;
  /** Live delivery, with subscriber connections of its own: one per server instance (per shard on a cluster). */
  live: LiveChannel;
  prefix: string;
  log: Logger;
  /** A session's log lives as long as the session can, then Redis drops it. */
  retentionMs: number;
  /** Entries kept per session (approximately; Redis trims in whole nodes). */
  maxLength?: number;
  /** Events a slow subscriber may lag behind before it is made to resume. */
  subscriberBuffer?: number;
}

/*
 * Appends to the session's stream, sets its expiry and publishes the entry in one atomic step, so
 * the order on the channel is the order in the stream. KEYS[1] stream, KEYS[2] channel (declared
 * so that a cluster runs the script on the slot both share); ARGV[1] max length, ARGV[2] retention
 * ms, ARGV[3] event JSON, ARGV[4] PUBLISH or SPUBLISH (LiveChannel.publishCommand).
 */
const APPEND_AND_PUBLISH = new LuaScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call(ARGV[4], KEYS[2], id .. ' ' .. ARGV[3])
return id`);

/** How soon held feeds whose catch-up read failed try again while the subscriber stays up. */
const HEAL_RETRY_MS = 1000;

/**
 * The event bus: a capped Redis stream per session (the log a reconnecting tab replays) plus
 * pub/sub for live delivery. Each instance holds one subscriber connection and fans events out
 * to its local subscriptions.
 */
export class EventBus implements EventPublisher, FeedSource {
  private readonly local = new Map<string, Set<SessionFeed>>();
  private readonly subscribing = new Map<string, Promise<unknown>>();
  /** Feeds held since the subscriber connection dropped, until they have caught up from the log. */
  private readonly held = new Set<SessionFeed>();
  /** Counts the subscriber's drops: a catch-up read across one proves nothing and is thrown away. */
  private drops = 0;
  private healing = false;
  private healAgain = false;
  private healRetry: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxLength: number;
  private readonly subscriberBuffer: number;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: EventBusOptions) {
    this.maxLength = opts.maxLength ?? 1000;
    this.subscriberBuffer = opts.subscriberBuffer ?? 1000;
    opts.live.onMessage((channel, message) => { this.deliver(channel, message); });
    opts.live.onDown(() => { this.holdLocal(); });
    opts.live.onUp(() => { this.heal(); });
  }

  /**
   * An event published while the subscriber connection is down (or before ioredis has joined its
   * channels again) never reaches this instance, though it is in the session's log. Every local
   * feed is therefore held, not ended: a plain tRPC client does not resubscribe after an error, so
   * the subscription must go on by itself. Once the subscriber is back, each catches up from the log.
   */
  private holdLocal(): void {
    this.drops += 1;
    this.subscribing.clear();
    for (const set of this.local.values()) {
      for (const feed of set) {
        feed.hold();
        this.held.add(feed);
      }
    }
    // Not every drop is followed by an 'up' (a cluster whose topology looks unchanged): try anyway.
    this.healSoon();
  }

  private healSoon(): void {
    this.healRetry ??= setTimeout(() => {
      this.healRetry = undefined;
      this.heal();
    }, HEAL_RETRY_MS).unref();
  }

  /** Starts a catch-up of the held feeds, or one more after the one running: never two at once. */
  private heal(): void {
    if (this.healing) {
      this.healAgain = true;
      return;
    }
    this.healing = true;
    void this.healHeld().finally(() => {
      this.healing = false;
      if (!this.healAgain) return;
      this.healAgain = false;
      this.heal();
    });
  }

  /** One catch-up pass; when a read fails while the subscriber stays up, another follows shortly. */
  private async healHeld(): Promise<void> {
    if (this.closed || this.held.size === 0 || !this.opts.live.ready) return;
    const drops = this.drops;
    const failures = await this.catchUpHeld(drops).catch((error: unknown) => [error]);
    // After another drop, that drop has scheduled the next pass.
    if (failures.length === 0 || drops !== this.drops) return;
    this.opts.log.warn({ err: failures[0], held: this.held.size }, 'held subscriptions could not catch up from the log yet; trying again');
    this.healSoon();
  }

  /**
   * Once the rejoin is confirmed, every event published from then on reaches the feeds, and a log
   * read after that misses nothing. Each held feed then reads what it has not given and is released.
   * One whose read fails, or spans another drop, stays held. Returns why reads failed.
   */
  private async catchUpHeld(drops: number): Promise<unknown[]> {
    await this.opts.live.rejoin([...this.local.keys()].map((sessionId) => this.channel(sessionId)));
    const results = await Promise.allSettled([...this.held].map(async (feed) => {
      const caughtUp = await feed.catchUp();
      if (drops !== this.drops || !this.held.delete(feed)) return;
      feed.release(caughtUp);
    }));
    return results.flatMap((result): unknown[] => (result.status === 'rejected' ? [result.reason] : []));
  }

  /** The session id in braces is the hash tag: on a cluster its stream and channel share a slot. */
  private streamKey(sessionId: string): string {
    return `${this.opts.prefix}:events:{${sessionId}}`;
  }

  private channel(sessionId: string): string {
    return `${this.opts.prefix}:live:{${sessionId}}`;
  }

  /** Appends and publishes; returns the event id. */
  async append(sessionId: string, event: SessionEvent): Promise<string> {
    const id = await APPEND_AND_PUBLISH.run(
      this.opts.redis,
      [this.streamKey(sessionId), this.channel(sessionId)],
      [this.maxLength, this.opts.retentionMs, JSON.stringify(event), this.opts.live.publishCommand],
    );
    return String(id);
  }

  /** Fire-and-forget for services: a failure is logged, never thrown into the request that caused it. */
  publish(sessionId: string, event: SessionEvent): void {
    const delivery = this.append(sessionId, event).catch((error: unknown) => {
      this.opts.log.error({ err: error, sessionId, type: event.type }, 'event could not be published');
    });
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /** Resolves once every publish started so far has reached Redis (for shutdown and tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Events of the session after `lastEventId` (all retained ones when it is null). */
  async since(sessionId: string, lastEventId: string | null): Promise<BusEvent[]> {
    const start = lastEventId ? nextEventId(lastEventId) : '-';
    if (start === undefined) return [];
    return toBusEvents(await this.opts.redis.xrange(this.streamKey(sessionId), start, '+'));
  }

  /**
   * What a tab that saw `lastEventId` has missed. When the log no longer reaches back to it, a
   * `session.resync` comes first. Trimmed: no id can lie between the one after `lastEventId` and
   * the oldest retained entry unless entries were cut; the resync's id is the one just before that
   * entry, so resuming from it replays what is retained without a second resync. Gone (a Redis
   * restart): the resync's id is the one after `lastEventId`, newer than what the tab holds and
   * older than any event still to come. Both reads run in one transaction, so a trim between them
   * cannot open an unannounced gap.
   */
  async replay(sessionId: string, lastEventId: string): Promise<BusEvent[]> {
    const key = this.streamKey(sessionId);
    const start = nextEventId(lastEventId);
    if (start === undefined) return [];
    const [oldest, entries] = await execAll<[StreamEntry[], StreamEntry[]]>(
      this.opts.redis.multi().xrange(key, '-', '+', 'COUNT', 1).xrange(key, start, '+'),
    );
    const first = oldest[0]?.[0];
    const missed = toBusEvents(entries);
    if (first === undefined) return [{ id: start, event: { type: 'session.resync', sessionId, reason: 'history_lost' } }, ...missed];
    const resumeFrom = previousEventId(first);
    if (resumeFrom === undefined || compareEventIds(start, first) >= 0) return missed;
    return [{ id: resumeFrom, event: { type: 'session.resync', sessionId, reason: 'history_trimmed' } }, ...missed];
  }

  /** The session's last event, if it is still retained. */
  async last(sessionId: string): Promise<BusEvent | undefined> {
    return toBusEvents(await this.opts.redis.xrevrange(this.streamKey(sessionId), '+', '-', 'COUNT', 1))[0];
  }

  /**
   * Joins the session's live channel and returns the feed of its events; the caller closes it.
   * Joining before anything else is read (the log after `lastEventId`, the session's state) means
   * an event published meanwhile is in the feed, not lost between the two. Without `lastEventId`,
   * where the log ends is read first: the feed's origin (see SessionFeed). Closing ends a wait for
   * the next event at once: leaving never waits for the session's next event.
   */
  async open(sessionId: string, lastEventId: string | null): Promise<SessionFeed> {
    const origin = lastEventId ?? (await this.lastId(sessionId));
    const feed = new SessionFeed(sessionId, new EventQueue<BusEvent>(this.subscriberBuffer), this, origin);
    try {
      await this.join(feed);
    } catch (error) {
      await feed.close();
      throw error;
    }
    return feed;
  }

  /** Local subscriptions, for metrics and tests. */
  get localSubscriptions(): number {
    let count = 0;
    for (const set of this.local.values()) count += set.size;
    return count;
  }

  /** The id of the session's last retained entry; null when its log is empty. */
  private async lastId(sessionId: string): Promise<string | null> {
    const [entry] = await this.opts.redis.xrevrange(this.streamKey(sessionId), '+', '-', 'COUNT', 1);
    return entry?.[0] ?? null;
  }

  private async join(feed: SessionFeed): Promise<void> {
    const { sessionId } = feed;
    let set = this.local.get(sessionId);
    if (!set) {
      set = new Set();
      this.local.set(sessionId, set);
    }
    set.add(feed);
    // The first local subscriber of a session joins its channel; the others wait for that join.
    let joining = this.subscribing.get(sessionId);
    if (!joining) {
      joining = this.opts.live.join(this.channel(sessionId));
      this.subscribing.set(sessionId, joining);
      joining.catch(() => this.subscribing.delete(sessionId));
    }
    await joining;
  }

  /** Idempotent: the last local subscriber of a session leaves its channel. */
  async leave(feed: SessionFeed): Promise<void> {
    this.held.delete(feed);
    const { sessionId } = feed;
    const set = this.local.get(sessionId);
    if (!set?.delete(feed) || set.size > 0) return;
    this.local.delete(sessionId);
    this.subscribing.delete(sessionId);
    await this.opts.live.leave(this.channel(sessionId)).catch(() => undefined);
  }

  private deliver(channel: string, message: string): void {
    const sessionId = channel.slice(channel.lastIndexOf('{') + 1, -1);
    const set = this.local.get(sessionId);
    if (!set) return;
    const space = message.indexOf(' ');
    const event = parseEvent(message.slice(space + 1));
    if (!event) return;
    // Parsed and serialised once for every local subscriber: they all share this frozen entry.
    const entry = { id: message.slice(0, space), event: shareJson(event) };
    for (const feed of set) feed.receive(entry);
  }

  /** The server is going away: every local subscription ends, held or not. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.healRetry);
    await this.flush();
    for (const set of this.local.values()) for (const feed of set) feed.end();
    this.local.clear();
    this.held.clear();
  }
}

type StreamEntry = [id: string, fields: string[]];

function toBusEvents(entries: StreamEntry[]): BusEvent[] {
  return entries.flatMap(([id, fields]) => {
    const event = parseEvent(fields[1]);
    return event ? [{ id, event }] : [];
  });
}

/** Runs a MULTI and hands back its replies, failing with the first command error. */
async function execAll<T extends unknown[]>(multi: ChainableCommander): Promise<T> {
  const replies = (await multi.exec()) ?? [];
  const failure = replies.find(([error]) => error !== null)?.[0];
  if (failure) throw failure;
  return replies.map(([, reply]) => reply) as T;
}

/** An entry that is not a valid event (written by something else) is skipped, never delivered. */
function parseEvent(json: string | undefined): SessionEvent | undefined {
  if (json === undefined) return undefined;
  try {
    const parsed = sessionEventSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
