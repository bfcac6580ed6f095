import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { recordResumingEvents } from '../support/subscription.js';
import { createWsTestClient } from '../support/ws-client.js';
import { inspectRedis, newSession, until } from './support.js';

describe('the instance loses its Redis subscriber connection', () => {
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000', CHAT_RATE_LIMIT_PER_MINUTE: '1000', SESSION_MESSAGES_PER_MINUTE: '1000' } });
    redis = inspectRedis();
  });
  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  it('ends its subscriptions with a retryable 503, and the tabs resume with what was published meanwhile', async () => {
    const { http, session, cookie } = await newSession(t);
    const ws = createWsTestClient(t.url, { cookie });
    const tab = recordResumingEvents(ws, { sessionId: session.sessionId });
    await until(() => t.app.services.events.localSubscriptions === 1, 'the subscription to start');
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'before' });
    await until(() => tab.events.length === 1, 'the first message');

    const clients = (await redis.client('LIST')) as string;
    const subscriber = clients.split('\n').find((line) => line.includes(`name=${t.app.redisPrefix}:subscriber`));
    const id = /\bid=(\d+)/.exec(subscriber ?? '')?.[1];
    if (!id) return expect.unreachable('the app has no named subscriber connection');
    await redis.client('KILL', 'ID', id);
    // Published at once, while the instance is not (yet again) on the session's channel.
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'during' });
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'after' });

    await until(() => tab.events.length >= 3, 'every message, the missed one replayed from the log', 15_000);
    const texts = tab.events.map(({ data }) => (data.type === 'chat.message' ? data.message.text : data.type));
    expect(texts).toEqual(['before', 'during', 'after']);
    expect(tab.breaks).toEqual(['SERVICE_UNAVAILABLE']);
    await ws.close();
  });
});
