import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareEventIds } from '../../src/shared/event-id.js';
import type { SessionEvent } from '../../src/shared/events.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { recordEvents, type TrackedEvent } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { inspectRedis } from './support/live-connections.js';

const t = useTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000' } });
let redis: Redis;
beforeAll(() => { redis = inspectRedis(); });
afterAll(() => { redis.disconnect(); });

/** More than the ~1,000 entries a session's log keeps, so its oldest ones are trimmed away. */
const OVERFLOW = 1300;

function message(sessionId: string, n: number): SessionEvent {
  return { type: 'chat.message', message: { messageId: randomUUID(), sessionId, text: `n${n}`, fileIds: [], createdAt: new Date().toISOString() } };
}

/** A tab of `cookie` that resumes from `lastEventId` and collects `count` events. */
async function resume(cookie: string, sessionId: string, lastEventId: string, count: number): Promise<TrackedEvent[]> {
  const tab = createWsTestClient(t.url, { cookie });
  const recorder = recordEvents(tab, { sessionId, lastEventId });
  await recorder.received(count);
  await tab.close();
  return recorder.events;
}

describe('a tab resuming from an event the log no longer holds', () => {
  it('gets session.resync first, then every retained event in order, and can resume from the resync’s id', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'seen before going away' });
    await t.app.services.events.flush();
    const [seen] = await t.app.services.events.since(session.sessionId, null);
    if (!seen) return expect.unreachable('the first message was not logged');
    for (let n = 1; n <= OVERFLOW; n += 1) await t.app.services.events.append(session.sessionId, message(session.sessionId, n));
    const retained = await t.app.services.events.since(session.sessionId, null);
    expect(retained.length).toBeLessThan(OVERFLOW);
    const oldestRetained = retained[0]?.id ?? expect.unreachable('nothing retained');
    expect(compareEventIds(seen.id, oldestRetained)).toBeLessThan(0);

    const events = await resume(cookie, session.sessionId, seen.id, retained.length + 1);
    const [resync, ...rest] = events;
    expect(resync?.data).toEqual({ type: 'session.resync', sessionId: session.sessionId, reason: 'history_trimmed' });
    expect(compareEventIds(resync?.id ?? '', oldestRetained)).toBeLessThan(0);
    expect(compareEventIds(resync?.id ?? '', seen.id)).toBeGreaterThan(0);
    expect(rest.map((e) => e.id)).toEqual(retained.map((e) => e.id));

    // Resuming from the resync's id replays the retained log without another resync.
    const again = await resume(cookie, session.sessionId, resync?.id ?? '', retained.length);
    expect(again.map((e) => e.id)).toEqual(retained.map((e) => e.id));
    expect(again.some((e) => e.data.type === 'session.resync')).toBe(false);
  });

  it('gets no resync when its lastEventId is still retained, only the events after it', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    for (const text of ['a', 'b', 'c']) await client.chat.send.mutate({ sessionId: session.sessionId, text });
    await t.app.services.events.flush();
    const [first, ...after] = await t.app.services.events.since(session.sessionId, null);
    const events = await resume(cookie, session.sessionId, first?.id ?? '', 2);
    expect(events.map((e) => e.id)).toEqual(after.map((e) => e.id));
  });

  it('gets session.resync (history_lost) when the session’s log is gone (injected: its stream key deleted, as a Redis restart would)', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'before the loss' });
    await t.app.services.events.flush();
    const [seen] = await t.app.services.events.since(session.sessionId, null);
    await redis.del(`${t.app.redisPrefix}:events:{${session.sessionId}}`);

    const tab = createWsTestClient(t.url, { cookie });
    const recorder = recordEvents(tab, { sessionId: session.sessionId, lastEventId: seen?.id ?? '' });
    await recorder.received(1);
    expect(recorder.events[0]?.data).toEqual({ type: 'session.resync', sessionId: session.sessionId, reason: 'history_lost' });
    expect(compareEventIds(recorder.events[0]?.id ?? '', seen?.id ?? '')).toBeGreaterThan(0);
    // Live events still follow.
    await eventually(() => t.app.services.events.localSubscriptions === 1, 10_000, 'the resumed subscription is live');
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'after the loss' });
    await recorder.received(2);
    expect(recorder.events[1]?.data).toMatchObject({ type: 'chat.message', message: { text: 'after the loss' } });
    await tab.close();
  });
});
