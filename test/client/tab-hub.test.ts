import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventHandlers, EventSource } from '../../src/client/realtime/event-source.js';
import { TabHub } from '../../src/client/realtime/tab-hub.js';
import type { ConnectionStatus } from '../../src/client/api/trpc-client.js';
import type { SessionEvent } from '../../src/shared/events.js';
import { eventually } from '../support/eventually.js';
import { after } from '../support/subscription.js';

/**
 * An in-memory server behind the EventSource interface: a log per session and the subscriptions
 * currently open, replaying after `lastEventId` as the real one does.
 */
class InMemoryEventServer {
  readonly log: { sessionId: string; id: string; event: SessionEvent }[] = [];
  readonly open = new Set<{ sessionId: string; handlers: EventHandlers }>();
  opened = 0;
  private seq = 0;

  readonly source: EventSource = (sessionId, lastEventId, handlers) => {
    const subscription = { sessionId, handlers };
    this.opened += 1;
    this.open.add(subscription);
    handlers.onStatus('connected');
    const lastSeq = lastEventId ? Number(lastEventId.split('-')[1]) : Infinity;
    for (const entry of this.log) if (entry.sessionId === sessionId && Number(entry.id.split('-')[1]) > lastSeq) handlers.onEvent(entry.id, entry.event);
    return { close: () => { this.open.delete(subscription); } };
  };

  publish(sessionId: string, text: string): string {
    this.seq += 1;
    const id = `1700000000000-${this.seq}`;
    const event: SessionEvent = { type: 'chat.message', message: { messageId: randomUUID(), sessionId, text, fileIds: [], createdAt: new Date().toISOString() } };
    this.log.push({ sessionId, id, event });
    for (const subscription of this.open) if (subscription.sessionId === sessionId) subscription.handlers.onEvent(id, event);
    return id;
  }
}

const textsOf = (events: { event: SessionEvent }[]) => events.map(({ event }) => (event.type === 'chat.message' ? event.message.text : event.type));


describe('TabHub (simulated tabs of one browser)', () => {
  const hubs: TabHub[] = [];
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.close()));
  });

  function openTabs(count: number, server: InMemoryEventServer, channelName: string) {
    const tabs = Array.from({ length: count }, () => {
      const hub = new TabHub({ source: server.source, channelName, channelOptions: { type: 'simulate' } });
      hubs.push(hub);
      const seen: { id: string; event: SessionEvent }[] = [];
      hub.onEvent((entry) => seen.push(entry));
      return { hub, seen };
    });
    return tabs;
  }

  it('elects exactly one leader, which alone subscribes, and relays every event to the others once', async () => {
    const server = new InMemoryEventServer();
    const sessionId = randomUUID();
    const tabs = openTabs(4, server, `hub-${randomUUID()}`);
    for (const { hub } of tabs) hub.setSession(sessionId);
    await eventually(() => tabs.some(({ hub }) => hub.isLeader));
    await after(300, null);
    expect(tabs.filter(({ hub }) => hub.isLeader)).toHaveLength(1);
    expect(server.open.size).toBe(1);

    for (const text of ['a', 'b', 'c']) server.publish(sessionId, text);
    await eventually(() => tabs.every(({ seen }) => seen.length === 3));
    await after(100, null);
    for (const { seen } of tabs) expect(textsOf(seen)).toEqual(['a', 'b', 'c']);
  });

  it('hands over when the leader closes, resuming from the last event id without loss or repeat', async () => {
    const server = new InMemoryEventServer();
    const sessionId = randomUUID();
    const tabs = openTabs(3, server, `hub-${randomUUID()}`);
    for (const { hub } of tabs) hub.setSession(sessionId);
    await eventually(() => server.open.size === 1);
    server.publish(sessionId, 'before');
    await eventually(() => tabs.every(({ seen }) => seen.length === 1));

    const leader = tabs.find(({ hub }) => hub.isLeader);
    expect(leader).toBeDefined();
    await leader?.hub.close();
    // Published while no tab leads: the next leader must replay it.
    server.publish(sessionId, 'during hand-over');
    const rest = tabs.filter((tab) => tab !== leader);
    await eventually(() => rest.some(({ hub }) => hub.isLeader), 10_000);
    server.publish(sessionId, 'after');
    await eventually(() => rest.every(({ seen }) => seen.length === 3));
    await after(100, null);
    for (const { seen } of rest) expect(textsOf(seen)).toEqual(['before', 'during hand-over', 'after']);
    expect(server.open.size).toBe(1);
  });

  it('mirrors a session change made in one tab to the others at once, and follows it', async () => {
    const server = new InMemoryEventServer();
    const first = randomUUID();
    const second = randomUUID();
    const tabs = openTabs(3, server, `hub-${randomUUID()}`);
    const changes: (string | null)[][] = tabs.map(() => []);
    tabs.forEach(({ hub }, i) => hub.onSessionChange((id) => changes[i]?.push(id)));
    for (const { hub } of tabs) hub.setSession(first);
    await eventually(() => server.open.size === 1);

    tabs[2]?.hub.setSession(second);
    await eventually(() => tabs.every(({ hub }) => hub.currentSessionId === second));
    expect(changes[0]).toEqual([second]);
    expect(changes[1]).toEqual([second]);
    expect(changes[2]).toEqual([]);
    await eventually(() => [...server.open].every((s) => s.sessionId === second) && server.open.size === 1);
    server.publish(first, 'old session');
    server.publish(second, 'new session');
    await eventually(() => tabs.every(({ seen }) => seen.length === 1));
    for (const { seen } of tabs) expect(textsOf(seen)).toEqual(['new session']);
  });

  it('relays the leader’s connection status to the other tabs', async () => {
    const server = new InMemoryEventServer();
    const tabs = openTabs(2, server, `hub-${randomUUID()}`);
    const statuses: string[][] = tabs.map(() => []);
    tabs.forEach(({ hub }, i) => hub.onStatus((status) => statuses[i]?.push(status)));
    for (const { hub } of tabs) hub.setSession(randomUUID());
    await eventually(() => statuses.every((list) => list.includes('connected')));
    expect(statuses.map((list) => list[0])).toEqual(['connecting', 'connecting']);
  });

  it('carries the files panel’s messages to the other tabs of the session, not back to the sender', async () => {
    const server = new InMemoryEventServer();
    const tabs = openTabs(3, server, `hub-${randomUUID()}`);
    const heard = tabs.map(() => [] as string[]);
    tabs.forEach(({ hub }, i) => hub.onFilesMessage((message) => heard[i]?.push(message.kind)));
    // Without a session there is nobody to tell.
    tabs[0]?.hub.shareFiles({ kind: 'state-wanted' });
    const sessionId = randomUUID();
    tabs[0]?.hub.setSession(sessionId);
    await eventually(() => tabs.every(({ hub }) => hub.currentSessionId === sessionId));

    tabs[0]?.hub.shareFiles({ kind: 'refusals-dismissed', fileIds: [randomUUID()] });
    await eventually(() => heard.slice(1).every((kinds) => kinds.length === 1));
    await after(100, null);
    expect(heard).toEqual([[], ['refusals-dismissed'], ['refusals-dismissed']]);
  });
  it('no longer hears a socket it let go: a late status or end of the old one leaves the new one’s standing', async () => {
    // A source whose sockets answer only when the test says: the old one's close lands after the new one opened.
    const sockets: { handlers: EventHandlers; closed: boolean }[] = [];
    const source: EventSource = (_sessionId, _lastEventId, handlers) => {
      const socket = { handlers, closed: false };
      sockets.push(socket);
      handlers.onStatus('connecting');
      return { close: () => { socket.closed = true; } };
    };
    const hub = new TabHub({ source, channelName: `hub-${randomUUID()}`, channelOptions: { type: 'simulate' } });
    hubs.push(hub);
    let status: ConnectionStatus | undefined;
    hub.onStatus((next) => { status = next; });
    hub.setSession(randomUUID());
    await eventually(() => sockets.length === 1);
    const [old] = sockets;
    old?.handlers.onStatus('connected');

    hub.setSession(randomUUID()); // a reset: the old socket is let go, a new one opens
    expect(sockets).toHaveLength(2);
    expect(old?.closed).toBe(true);
    sockets[1]?.handlers.onStatus('connected');
    old?.handlers.onStatus('offline');
    old?.handlers.onEnd({ kind: 'interrupted', message: 'WebSocket closed' });
    expect(status).toBe('connected');

    // In the same session too (a reconnect): the old socket's end neither opens another nor costs the
    // hub its hold on the new one.
    hub.reconnect();
    expect(sockets).toHaveLength(3);
    sockets[2]?.handlers.onStatus('connected');
    sockets[1]?.handlers.onEnd({ kind: 'interrupted', message: 'WebSocket closed' });
    expect(status).toBe('connected');
    await after(1500, null);
    expect(sockets).toHaveLength(3);
    hub.setOffline(true);
    expect(sockets[2]?.closed).toBe(true);
  });
});

