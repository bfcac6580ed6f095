import { afterEach, describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { after, recordEvents } from '../support/subscription.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { eventually } from '../support/eventually.js';

type Recorder = ReturnType<typeof recordEvents>;

const OUTAGE_MS = 3000;

const kinds = (recorder: Recorder) => recorder.events.map(({ data }) => (data.type === 'chat.message' ? data.message.text : data.type));


describe('a plain tRPC subscription while Redis is stopped for a few seconds and started again', () => {
  let redis: RedisProcess | undefined;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    await redis?.dispose();
  });

  /** An app on a Redis of its own, a session, and a plain subscription to it (tRPC's client does not resubscribe after an error). */
  async function subscribed(persist: boolean) {
    redis = await startRedisProcess({ persist });
    t = await startTestApp({ env: { REDIS_URL: redis.url } });
    const http = await newBrowser(t.url);
    const { sessionId } = http;
    const ws = createWsTestClient(t.url, { cookie: http.cookie });
    const tab = recordEvents(ws, { sessionId });
    const app = t;
    await eventually(() => app.app.services.events.localSubscriptions === 1, 10_000, 'the subscription starting');
    const send = (text: string) => http.client.chat.send.mutate({ sessionId, text });
    await send('before');
    await tab.received(1);
    return { app, redis, ws, tab, send };
  }

  async function restart(app: TestApp, server: RedisProcess): Promise<void> {
    await server.stop();
    await after(OUTAGE_MS, null);
    await server.start();
    await eventually(async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000, '/readyz answering 200 again');
  }

  it('stays open and hears a message sent once Redis is back, with no client action', async () => {
    const { app, redis: server, ws, tab, send } = await subscribed(true);
    await restart(app, server);
    await send('after');
    await tab.received(2);
    expect(kinds(tab)).toEqual(['before', 'after']);
    expect(tab.isOpen()).toBe(true);
    await ws.close();
  });

  it('gets a session.resync, then the later events, when Redis came back without its data', async () => {
    const { app, redis: server, ws, tab, send } = await subscribed(false);
    await restart(app, server);
    await tab.received(2);
    await send('after');
    await tab.received(3);
    expect(kinds(tab)).toEqual(['before', 'session.resync', 'after']);
    expect(tab.events[1]?.data).toMatchObject({ type: 'session.resync', reason: 'history_lost' });
    expect(tab.isOpen()).toBe(true);
    await ws.close();
  });
});
