import { randomUUID } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Outbox, type OutboxEntry } from '../../src/client/outbox/outbox.js';
import { memoryStore, type StoredValue } from '../../src/client/session/session-id-store.js';
import type { MessageView } from '../../src/shared/chat.js';

const sessionId = randomUUID();

/** The Web Locks the browser gives: one holder per name at a time, the others queued. */
function locks() {
  const queues = new Map<string, Promise<void>>();
  return (name: string, operation: () => Promise<void>): Promise<void> => {
    const run = (queues.get(name) ?? Promise.resolve()).then(operation);
    queues.set(name, run.catch(() => undefined));
    return run;
  };
}

/** A server that stores each clientMessageId once; `down` makes it unreachable (fetch fails). */
function fakeServer() {
  const stored = new Map<string, MessageView>();
  const calls: string[] = [];
  const server = {
    down: false,
    stored,
    calls,
    send: (_sessionId: string, entry: OutboxEntry): Promise<MessageView> => {
      calls.push(entry.text);
      if (server.down) return Promise.reject(TRPCClientError.from(new TypeError('Failed to fetch')));
      const message = stored.get(entry.clientMessageId) ?? { messageId: randomUUID(), sessionId, text: entry.text, fileIds: entry.fileIds, createdAt: new Date().toISOString(), clientMessageId: entry.clientMessageId };
      stored.set(entry.clientMessageId, message);
      return Promise.resolve(message);
    },
  };
  return server;
}

function outboxOn(store: StoredValue, server: ReturnType<typeof fakeServer>, exclusively = locks()) {
  const shown: string[] = [];
  const outbox = new Outbox({ sessionId, store, send: server.send, onSent: (message) => shown.push(message.text), exclusively });
  outbox.start();
  return { outbox, shown };
}

/** Lets every promise that is ready run (the sends here answer at once; no timer moves). */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('the outbox', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('keeps a message the server did not answer, tries again after a backoff, and sends it at once when told the connection is back', async () => {
    const server = fakeServer();
    server.down = true;
    const store = memoryStore();
    const { outbox, shown } = outboxOn(store, server);
    outbox.add('waits');
    await settle();
    expect(server.calls).toEqual(['waits']);
    expect(outbox.snapshot().map((entry) => [entry.text, entry.failure])).toEqual([['waits', undefined]]);

    // The backoff after a first failure is at most half a second; the next try fails too.
    await vi.advanceTimersByTimeAsync(500);
    expect(server.calls).toEqual(['waits', 'waits']);

    server.down = false;
    outbox.resume();
    await settle();
    expect(shown).toEqual(['waits']);
    expect(outbox.snapshot()).toEqual([]);
    expect(store.read()).toBeNull();
    outbox.stop();
  });

  it('sends in the order written, one at a time, also what is added while one is on its way', async () => {
    const server = fakeServer();
    const { outbox, shown } = outboxOn(memoryStore(), server);
    outbox.add('one');
    outbox.add('two');
    outbox.add('three');
    await settle();
    expect(server.calls).toEqual(['one', 'two', 'three']);
    expect(shown).toEqual(['one', 'two', 'three']);
    outbox.stop();
  });

  it('lets two tabs on one stored outbox send each message once, taking turns under the lock', async () => {
    const server = fakeServer();
    const store = memoryStore();
    const exclusively = locks();
    server.down = true;
    const first = outboxOn(store, server, exclusively);
    const second = outboxOn(store, server, exclusively);
    first.outbox.add('from the first tab');
    second.outbox.add('from the second tab');
    await settle();
    server.calls.length = 0;

    server.down = false;
    first.outbox.resume();
    second.outbox.resume();
    await settle();
    expect(server.calls).toEqual(['from the first tab', 'from the second tab']);
    expect([...server.stored.values()].map((message) => message.text)).toEqual(['from the first tab', 'from the second tab']);
    expect(store.read()).toBeNull();
    first.outbox.stop();
    second.outbox.stop();
  });

  it('picks up what an earlier visit left in storage, with its clientMessageId', async () => {
    const server = fakeServer();
    const left: OutboxEntry = { clientMessageId: randomUUID(), text: 'from before the reload', fileIds: [], queuedAt: Date.now() };
    const store = memoryStore(JSON.stringify([left]));
    const { outbox } = outboxOn(store, server);
    expect(outbox.snapshot()).toEqual([left]);
    await settle();
    expect([...server.stored.keys()]).toEqual([left.clientMessageId]);
    outbox.stop();
  });

  it('ignores a stored outbox it cannot read, rather than failing', () => {
    const { outbox } = outboxOn(memoryStore('{not json'), fakeServer());
    expect(outbox.snapshot()).toEqual([]);
    outbox.stop();
  });
});
