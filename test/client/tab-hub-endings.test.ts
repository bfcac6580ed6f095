import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventHandlers, EventSource } from '../../src/client/realtime/event-source.js';
import { TabHub, type SessionNote, type SessionRefusal } from '../../src/client/realtime/tab-hub.js';
import type { SessionView } from '../../src/shared/session.js';
import { eventually } from '../support/eventually.js';
import { after } from '../support/subscription.js';

/** The server side of the leader's subscriptions: what was asked, and a way to end them. */
class ScriptedSource {
  readonly open = new Set<{ sessionId: string; handlers: EventHandlers }>();
  readonly requests: { sessionId: string; lastEventId: string | null }[] = [];

  readonly source: EventSource = (sessionId, lastEventId, handlers) => {
    const subscription = { sessionId, handlers };
    this.open.add(subscription);
    this.requests.push({ sessionId, lastEventId });
    handlers.onStatus('connected');
    return { close: () => { this.open.delete(subscription); } };
  };

  each(run: (handlers: EventHandlers) => void): void {
    for (const { handlers } of [...this.open]) run(handlers);
  }
}


function note(createdAt: string): SessionNote {
  const session: SessionView = { sessionId: randomUUID(), status: 'active', createdAt, lastSeenAt: createdAt, expiresAt: createdAt, version: 1 };
  return { session, cause: 'started' };
}

describe('TabHub: how subscriptions end', () => {
  const hubs: TabHub[] = [];
  afterEach(async () => { await Promise.all(hubs.splice(0).map((hub) => hub.close())); });

  function openTabs(count: number, server: ScriptedSource) {
    const channelName = `hub-${randomUUID()}`;
    return Array.from({ length: count }, () => {
      const hub = new TabHub({ source: server.source, channelName, channelOptions: { type: 'simulate' } });
      hubs.push(hub);
      const refusals: { sessionId: string; refusal: SessionRefusal }[] = [];
      hub.onRefusal((sessionId, refusal) => refusals.push({ sessionId, refusal }));
      return { hub, refusals };
    });
  }

  it('tells every tab when the server refuses the session, and does not ask again', async () => {
    const server = new ScriptedSource();
    const sessionId = randomUUID();
    const tabs = openTabs(3, server);
    for (const { hub } of tabs) hub.setSession(sessionId);
    await eventually(() => server.open.size === 1);

    server.each((handlers) => { handlers.onEnd({ kind: 'denied', reason: 'expired', message: 'This session has expired.' }); });
    await eventually(() => tabs.every(({ refusals }) => refusals.length === 1));
    for (const { refusals } of tabs) expect(refusals).toEqual([{ sessionId, refusal: { kind: 'denied', reason: 'expired', message: 'This session has expired.' } }]);
    await after(200, null);
    expect(server.requests).toHaveLength(1);
  });

  it('subscribes again after an interruption, from the last event the browser saw', async () => {
    const server = new ScriptedSource();
    const sessionId = randomUUID();
    const [tab] = openTabs(1, server);
    tab?.hub.setSession(sessionId);
    await eventually(() => server.open.size === 1);
    server.each((handlers) => { handlers.onEvent('1700000000000-4', { type: 'file.removed', fileId: randomUUID() }); });

    server.each((handlers) => { handlers.onEnd({ kind: 'interrupted', retryAfterMs: 30, message: 'Too many subscriptions.' }); });
    await eventually(() => server.requests.length === 2);
    expect(server.requests[1]).toEqual({ sessionId, lastEventId: '1700000000000-4' });
    expect(tab?.refusals).toEqual([]);
  });

  it('answers a late announcement of an older session with the newer one, which the late tab follows', async () => {
    const server = new ScriptedSource();
    const [ahead, late] = openTabs(2, server);
    const older = note('2026-01-01T00:00:00.000Z');
    const newer = note('2026-01-01T00:00:05.000Z');
    ahead?.hub.setSession(newer.session.sessionId, newer);
    await after(100, null);
    // This tab's start-up finished only now, with the session it found before the other moved on.
    late?.hub.setSession(older.session.sessionId, older);

    await eventually(() => late?.hub.currentSessionId === newer.session.sessionId);
    expect(ahead?.hub.currentSessionId).toBe(newer.session.sessionId);
  });

  it('lets a tab that does not lead ask the leader to reconnect', async () => {
    const server = new ScriptedSource();
    const sessionId = randomUUID();
    const tabs = openTabs(2, server);
    for (const { hub } of tabs) hub.setSession(sessionId);
    await eventually(() => tabs.some(({ hub }) => hub.isLeader) && server.open.size === 1);
    const follower = tabs.find(({ hub }) => !hub.isLeader);

    follower?.hub.reconnect();
    await eventually(() => server.requests.length === 2);
    expect(server.open.size).toBe(1);
  });
});

describe('TabHub: a tab that opens late', () => {
  const hubs: TabHub[] = [];
  afterEach(async () => { await Promise.all(hubs.splice(0).map((hub) => hub.close())); });

  it('learns from the leader that the browser is connected, without waiting for a change', async () => {
    const server = new ScriptedSource();
    const channelName = `hub-${randomUUID()}`;
    const sessionId = randomUUID();
    const first = new TabHub({ source: server.source, channelName, channelOptions: { type: 'simulate' } });
    hubs.push(first);
    first.setSession(sessionId);
    await eventually(() => first.isLeader && server.open.size === 1);

    const late = new TabHub({ source: server.source, channelName, channelOptions: { type: 'simulate' } });
    hubs.push(late);
    const statuses: string[] = [];
    late.onStatus((status) => statuses.push(status));
    await eventually(() => statuses.includes('connected'));
    expect(late.isLeader).toBe(false);
    expect(server.open.size).toBe(1);
  });
});
