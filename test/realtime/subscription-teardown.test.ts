import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { recordEvents } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { inspectRedis, liveChannels, openRawSocket, subscribeRaw } from './support/live-connections.js';

const t = useTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000', WS_MAX_PER_IP: '100' } });
let redis: Redis;
beforeAll(() => { redis = inspectRedis(); });
afterAll(() => { redis.disconnect(); });

/**
 * Nothing of a stopped subscription stays: no Redis channel subscribed, no local subscriber. Seen
 * twice, a moment apart: tRPC says "started" before the subscription has joined its channel, so
 * a first look right after a stop may come before the join (and the leave that follows it).
 */
async function expectNothingLeftSubscribed(): Promise<void> {
  const nothingLeft = async () => (await liveChannels(redis, t)).length === 0 && t.app.services.events.localSubscriptions === 0;
  await eventually(nothingLeft, 10_000, 'every live channel left');
  await new Promise((resolve) => setTimeout(resolve, 200));
  await eventually(nothingLeft, 10_000, 'every live channel still left');
  expect(await liveChannels(redis, t)).toEqual([]);
  expect(t.app.services.events.localSubscriptions).toBe(0);
}

const SUBSCRIPTIONS = 20;

describe('a subscription stopped while its credential is being checked', () => {
  it.each([
    ['subscription.stop is sent', (socket: WebSocket, id: number) => { socket.send(JSON.stringify({ id, method: 'subscription.stop' })); }],
    ['the socket is dropped', (socket: WebSocket) => { socket.terminate(); }],
  ])('leaves the Redis channel at once when %s right after "started"', async (_how, stop) => {
    const sessions = await Promise.all(Array.from({ length: 4 }, () => newBrowser(t.url)));
    const sockets: WebSocket[] = [];
    await Promise.all(
      Array.from({ length: SUBSCRIPTIONS }, async (_, i) => {
        const { session, cookie } = sessions[i % sessions.length] ?? expect.unreachable('no session');
        const socket = await openRawSocket(t, cookie);
        sockets.push(socket);
        await subscribeRaw(socket, 1, { sessionId: session.sessionId });
        stop(socket, 1);
      }),
    );
    // No event is ever sent to these sessions: leaving must not wait for one.
    await expectNothingLeftSubscribed();
    for (const socket of sockets) socket.terminate();
  });

  it('leaves the channel also when stopped during the replay of missed events', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'seen' });
    const [seen] = await t.app.services.events.since(session.sessionId, null);
    const sockets = await Promise.all(Array.from({ length: SUBSCRIPTIONS }, () => openRawSocket(t, cookie)));
    await Promise.all(
      sockets.map(async (socket) => {
        await subscribeRaw(socket, 7, { sessionId: session.sessionId, lastEventId: seen?.id ?? expect.unreachable('no event') });
        socket.send(JSON.stringify({ id: 7, method: 'subscription.stop' }));
      }),
    );
    await expectNothingLeftSubscribed();
    for (const socket of sockets) socket.terminate();
  });

  it('still delivers to a subscription opened after the stopped ones left', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const socket = await openRawSocket(t, cookie);
    await subscribeRaw(socket, 1, { sessionId: session.sessionId });
    socket.terminate();
    await expectNothingLeftSubscribed();

    const tab = createWsTestClient(t.url, { cookie });
    const recorder = recordEvents(tab, { sessionId: session.sessionId });
    await recorder.started;
    await eventually(() => t.app.services.events.localSubscriptions === 1, 10_000, 'the new subscription joined');
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'after the leak' });
    await recorder.received(1);
    expect(recorder.events.map((e) => e.data.type)).toEqual(['chat.message']);
    await tab.close();
    await expectNothingLeftSubscribed();
  });
});
