import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { SessionEvent } from '../../src/shared/events.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { inspectRedis, newSession, until } from './support.js';

/** A tab as the web app's TabHub is: it resubscribes from the last id it saw whenever a subscription breaks off. */
function resumingTab(ws: ReturnType<typeof createWsTestClient>, sessionId: string) {
  const seen: { id: string; event: SessionEvent }[] = [];
  const breaks: (string | undefined)[] = [];
  const subscribe = () => {
    ws.client.session.events.subscribe(
      { sessionId, lastEventId: seen.at(-1)?.id },
      {
        onData: ({ id, data }) => { seen.push({ id, event: data }); },
        onError: (error) => {
          breaks.push(error.data?.code);
          subscribe();
        },
      },
    );
  };
  subscribe();
  return { seen, breaks };
}

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
    const tab = resumingTab(ws, session.sessionId);
    await until(() => t.app.services.events.localSubscriptions === 1, 'the subscription to start');
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'before' });
    await until(() => tab.seen.length === 1, 'the first message');

    const clients = (await redis.client('LIST')) as string;
    const subscriber = clients.split('\n').find((line) => line.includes(`name=${t.app.redisPrefix}:subscriber`));
    const id = /\bid=(\d+)/.exec(subscriber ?? '')?.[1];
    if (!id) return expect.unreachable('the app has no named subscriber connection');
    await redis.client('KILL', 'ID', id);
    // Published at once, while the instance is not (yet again) on the session's channel.
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'during' });
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'after' });

    await until(() => tab.seen.length >= 3, 'every message, the missed one replayed from the log', 15_000);
    const texts = tab.seen.map(({ event }) => (event.type === 'chat.message' ? event.message.text : event.type));
    expect(texts).toEqual(['before', 'during', 'after']);
    expect(tab.breaks).toEqual(['SERVICE_UNAVAILABLE']);
    await ws.close();
  });
});
