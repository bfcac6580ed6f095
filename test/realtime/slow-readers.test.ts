import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { GENEROUS_LIMITS } from '../support/api-requests.js';
import { newBrowser } from '../support/browsers.js';
import { holdsWithin } from '../support/eventually.js';
import { subscribeRaw } from '../support/raw-subscriber.js';
import { recordEvents } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';

const SUBSCRIPTIONS_PER_SOCKET = 20;

/** A client that subscribes and then stops reading: the server must not buffer what it cannot deliver. */
async function nonReader(url: string, cookie: string, sessionId: string, count: number): Promise<WebSocket> {
  const socket = await subscribeRaw(url, cookie, sessionId, count);
  socket.pause();
  return socket;
}

describe('WebSocket readers that stop reading', () => {
  const t = useTestApp({
    env: { ...GENEROUS_LIMITS, CHAT_RATE_LIMIT_PER_MINUTE: '1000', SESSION_MESSAGES_PER_MINUTE: '1000', WS_MAX_BUFFERED_BYTES: '262144' },
  });

  it('are closed once they hold their send budget, while a reading tab gets every event', async () => {
    const http = await newBrowser(t.url);
    const { sessionId, cookie } = http;

    const reader = createWsTestClient(t.url, { cookie });
    const tab = recordEvents(reader, { sessionId });
    await tab.started;
    const stalled = await Promise.all(Array.from({ length: 10 }, () => nonReader(t.url, cookie, sessionId, SUBSCRIPTIONS_PER_SOCKET)));
    expect(t.app.websockets.connections).toBe(11);

    // 60 messages that JSON escapes to ~24 kB each: ~29 MB owed to every stalled socket.
    const text = '\u0001'.repeat(4000);
    for (let i = 0; i < 60; i++) await http.client.chat.send.mutate({ sessionId, text });

    await tab.received(60);
    expect(tab.events.filter((event) => event.data.type === 'chat.message')).toHaveLength(60);
    expect(await holdsWithin(() => t.app.websockets.connections === 1, 10_000), 'only the reading tab is still connected').toBe(true);

    for (const socket of stalled) socket.terminate();
    await reader.close();
  });
});
