import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { recordEvents } from '../support/subscription.js';
import { startTcpGate, type TcpGate } from './support/tcp-gate.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';

type Recorder = ReturnType<typeof recordEvents>;

const texts = (recorder: Recorder) => recorder.events.map(({ data }) => (data.type === 'chat.message' ? data.message.text : data.type));


describe('the instance loses its Redis subscriber connection (fault injected: connection killed, its reconnects refused for a while)', () => {
  let redis: RedisProcess;
  let gate: TcpGate;
  let admin: Redis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisProcess({ persist: false });
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    // The app reaches Redis through the gate: with it shut, a connection that drops stays down
    // while the others (the one that appends events among them) keep working.
    gate = await startTcpGate(Number(new URL(redis.url).port));
    t = await startTestApp({
      env: {
        REDIS_URL: `redis://127.0.0.1:${gate.port}`,
        RATE_LIMIT_PER_MINUTE: '1000',
        CHAT_RATE_LIMIT_PER_MINUTE: '1000',
        SESSION_MESSAGES_PER_MINUTE: '1000',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await gate.close();
    admin.disconnect();
    await redis.dispose();
  });

  /** Drops the app's subscriber connection and keeps it down until `gate.open()`. */
  async function dropSubscriber(): Promise<void> {
    gate.shut();
    await admin.client('KILL', 'TYPE', 'pubsub');
  }

  async function listeners(sessionId: string): Promise<number> {
    const [, count] = (await admin.pubsub('NUMSUB', `${t.app.redisPrefix}:live:{${sessionId}}`)) as [string, number];
    return count;
  }

  /** Nobody hears the session's channel: what is published now reaches only its log. */
  async function expectUnheard(sessionId: string): Promise<void> {
    expect(await listeners(sessionId)).toBe(0);
  }

  it('keeps a plain tRPC subscription open and gives it what was published meanwhile, once and in order, then the live events', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const { sessionId } = session;
    const sockets = [createWsTestClient(t.url, { cookie }), createWsTestClient(t.url, { cookie })];
    // Plain subscriptions, as docs/api.md shows them: tRPC's client does not resubscribe after an error.
    const tabs = sockets.map((ws) => recordEvents(ws, { sessionId }));
    await eventually(async () => t.app.services.events.localSubscriptions === 2 && (await listeners(sessionId)) === 1, 10_000, 'both subscriptions to join');
    await client.chat.send.mutate({ sessionId, text: 'before' });
    await Promise.all(tabs.map((tab) => tab.received(1)));

    await dropSubscriber();
    await client.chat.send.mutate({ sessionId, text: 'during 1' });
    await client.chat.send.mutate({ sessionId, text: 'during 2' });
    await expectUnheard(sessionId);
    gate.open();

    await Promise.all(tabs.map((tab) => tab.received(3)));
    await client.chat.send.mutate({ sessionId, text: 'after' });
    await Promise.all(tabs.map((tab) => tab.received(4)));
    for (const tab of tabs) {
      expect(texts(tab)).toEqual(['before', 'during 1', 'during 2', 'after']);
      expect(new Set(tab.events.map((event) => event.id)).size).toBe(4);
      expect(tab.isOpen()).toBe(true);
    }
    await Promise.all(sockets.map((ws) => ws.close()));
  });

  it('gives a subscription that had received nothing yet only what was published after it began', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const { sessionId } = session;
    await client.chat.send.mutate({ sessionId, text: 'earlier' });
    const ws = createWsTestClient(t.url, { cookie });
    const tab = recordEvents(ws, { sessionId });
    await eventually(async () => (await listeners(sessionId)) === 1, 10_000, 'the subscription to join');

    await dropSubscriber();
    await client.chat.send.mutate({ sessionId, text: 'during' });
    await expectUnheard(sessionId);
    gate.open();

    await tab.received(1);
    await client.chat.send.mutate({ sessionId, text: 'after' });
    await tab.received(2);
    expect(texts(tab)).toEqual(['during', 'after']);
    expect(tab.isOpen()).toBe(true);
    await ws.close();
  });
});
