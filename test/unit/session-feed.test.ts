import { describe, expect, it } from 'vitest';
import { compareEventIds } from '../../src/shared/event-id.js';
import type { BusEvent } from '../../src/server/realtime/bus-event.js';
import { EventQueue, SubscriberOverflowError } from '../../src/server/realtime/event-queue.js';
import { SessionFeed, type FeedSource } from '../../src/server/realtime/session-feed.js';

const SESSION = '4169e402-0b4c-4f0e-9a53-5b4c2f5d6e7f';

/** Any event will do: the feed looks only at ids (and at final events, which these are not). */
function entry(id: string): BusEvent {
  return { id, event: { type: 'file.removed', fileId: '00000000-0000-4000-8000-000000000000' } };
}

/** A log in memory standing in for the bus: it records which read each catch-up made. */
function memorySource(log: BusEvent[]) {
  const reads: string[] = [];
  const after = (id: string) => log.filter((logged) => compareEventIds(logged.id, id) > 0);
  const source: FeedSource = {
    replay: (_sessionId, lastEventId) => {
      reads.push(`replay ${lastEventId}`);
      return Promise.resolve(after(lastEventId));
    },
    since: (_sessionId, lastEventId) => {
      reads.push(`since ${lastEventId}`);
      return Promise.resolve(lastEventId === null ? [...log] : after(lastEventId));
    },
    leave: () => Promise.resolve(),
  };
  return { source, reads };
}

const ids = (entries: (BusEvent | undefined)[]) => entries.map((given) => given?.id);

describe('a feed held while live delivery was broken', () => {
  it('gives what it caught up on first, then the live events queued meanwhile, each once', async () => {
    const log = [entry('1-0'), entry('2-0')];
    const { source } = memorySource(log);
    const feed = new SessionFeed(SESSION, new EventQueue<BusEvent>(10), source, '1-0');
    await feed.resumeAfter('1-0');
    expect(ids([await feed.next()])).toEqual(['2-0']);

    // The consumer is waiting when delivery breaks; 3-0 is published while nobody listens.
    const waiting = feed.next();
    feed.hold();
    log.push(entry('3-0'));
    // Back on the channel: 4-0 and 5-0 arrive live before the catch-up read lands.
    log.push(entry('4-0'));
    feed.receive(entry('4-0'));
    feed.receive(entry('5-0'));
    const caughtUp = await feed.catchUp();
    expect(ids(caughtUp)).toEqual(['3-0', '4-0']);
    feed.release(caughtUp);

    expect(ids([await waiting, await feed.next(), await feed.next()])).toEqual(['3-0', '4-0', '5-0']);
  });

  it('gives nothing from its queue until released', async () => {
    const { source } = memorySource([]);
    const feed = new SessionFeed(SESSION, new EventQueue<BusEvent>(10), source, null);
    feed.hold();
    feed.receive(entry('7-0'));
    let given: BusEvent | undefined;
    const waiting = feed.next().then((entry) => { given = entry; });
    await Promise.resolve();
    await Promise.resolve();
    expect(given).toBeUndefined();
    feed.release([entry('6-0')]);
    await waiting;
    expect(ids([given, await feed.next()])).toEqual(['6-0', '7-0']);
  });

  it('catches up after where it began when it has given and queued nothing', async () => {
    const { source, reads } = memorySource([entry('1-0')]);
    const feed = new SessionFeed(SESSION, new EventQueue<BusEvent>(10), source, '1-0');
    feed.hold();
    await feed.catchUp();
    expect(reads).toEqual(['replay 1-0']);
  });

  it('catches up with the whole log when it began on an empty one', async () => {
    const { source, reads } = memorySource([]);
    const feed = new SessionFeed(SESSION, new EventQueue<BusEvent>(10), source, null);
    feed.hold();
    await feed.catchUp();
    expect(reads).toEqual(['since null']);
  });

  it('catches up from its first queued event when it has given none yet', async () => {
    const { source, reads } = memorySource([entry('1-0')]);
    const feed = new SessionFeed(SESSION, new EventQueue<BusEvent>(10), source, '1-0');
    feed.receive(entry('2-5'));
    feed.hold();
    await feed.catchUp();
    expect(reads).toEqual(['replay 2-4']);
  });

  it('still ends the consumer when too many live events queue up while held', async () => {
    const { source } = memorySource([]);
    const feed = new SessionFeed(SESSION, new EventQueue<BusEvent>(2), source, null);
    const waiting = feed.next();
    feed.hold();
    for (const id of ['1-0', '2-0', '3-0']) feed.receive(entry(id));
    await expect(waiting).rejects.toBeInstanceOf(SubscriberOverflowError);
  });
});
