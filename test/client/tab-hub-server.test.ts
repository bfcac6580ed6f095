import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServerEventSource } from '../../src/client/realtime/event-source.js';
import { TabHub } from '../../src/client/realtime/tab-hub.js';
import type { SessionEvent } from '../../src/shared/events.js';
import { eventually } from '../support/eventually.js';
import { after } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';

const t = useTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000' } });


it('keeps one WebSocket for all tabs of a browser against the real server, and hands it over on close', async () => {
  const http = createTestClient(t.url);
  const session = await http.client.session.generate.mutate();
  const cookie = http.jar.header();
  // The browser would attach its cookie to the upgrade; in Node the WebSocket is told to.
  class BrowserWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie } });
    }
  }
  const source = createServerEventSource({ baseUrl: t.url, WebSocket: BrowserWebSocket as unknown as typeof globalThis.WebSocket });
  const channelName = `hub-${randomUUID()}`;
  const tabs = Array.from({ length: 3 }, () => {
    const hub = new TabHub({ source, channelName, channelOptions: { type: 'simulate' } });
    const texts: string[] = [];
    hub.onEvent(({ event }: { event: SessionEvent }) => { if (event.type === 'chat.message') texts.push(event.message.text); });
    hub.setSession(session.sessionId);
    return { hub, texts };
  });
  await eventually(() => t.app.websockets.connections === 1 && t.app.services.events.localSubscriptions === 1);
  await after(300, null);
  expect(t.app.websockets.connections).toBe(1);

  await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'hello tabs' });
  await eventually(() => tabs.every(({ texts }) => texts.length === 1));

  const leader = tabs.find(({ hub }) => hub.isLeader);
  await leader?.hub.close();
  await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'while nobody leads' });
  const rest = tabs.filter((tab) => tab !== leader);
  await eventually(() => rest.every(({ texts }) => texts.length === 2));
  for (const { texts } of rest) expect(texts).toEqual(['hello tabs', 'while nobody leads']);
  await eventually(() => t.app.websockets.connections === 1);
  await Promise.all(rest.map(({ hub }) => hub.close()));
});
