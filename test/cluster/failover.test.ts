import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisClusterProcess } from '../support/redis-cluster.js';
import { recordEvents } from '../support/subscription.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { createWsTestClient } from '../support/ws-client.js';

async function within<T>(ms: number, what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${ms} ms: ${what}`, { cause: lastError });
}

describe('a Redis Cluster losing a master (SIGKILL) while a tab is subscribed', () => {
  // A cluster of its own: killing a node of the run's shared one would disturb the other files.
  let cluster: RedisClusterProcess;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    t = await startTestApp({ env: { REDIS_CLUSTER_NODES: cluster.nodes, RATE_LIMIT_PER_MINUTE: '10000', CHAT_RATE_LIMIT_PER_MINUTE: '10000' } });
  });
  afterAll(async () => {
    await t.close();
    await cluster.stop();
  });

  it('promotes the replica, keeps validating, and the subscription goes on delivering', async () => {
    const http = createTestClient(t.url);
    const session = await http.client.session.generate.mutate();
    const tab = createWsTestClient(t.url, { cookie: http.jar.header() });
    const recorder = recordEvents(tab, { sessionId: session.sessionId });
    await recorder.started;
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'before' });
    await recorder.received(1);

    // The master that holds the session's log and owns its channel's slot.
    const owner = await cluster.masterFor(`{${session.sessionId}}`);
    const log = `${t.app.redisPrefix}:events:{${session.sessionId}}`;
    expect(await cluster.command(owner, 'XLEN', log)).toBe('1');
    cluster.kill(owner);
    const started = Date.now();

    // Validation answers throughout: the rate limiter's in-memory insurance covers the gap.
    const validating = (async () => {
      while (Date.now() - started < 6000) {
        const result = await http.client.session.validate.mutate({ sessionId: session.sessionId });
        expect(result.valid).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const promoted = await within(15_000, 'a replica taking over the slot', async () => {
      const port = await cluster.masterFor(`{${session.sessionId}}`);
      return port === owner ? undefined : port;
    });
    const failoverMs = Date.now() - started;
    await validating;

    // Chat answers again within seconds, and what it sends reaches the open subscription.
    await within(10_000, 'chat answering again', () => http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'after' }));
    await within(10_000, 'the message sent after the failover reaching the tab', () => Promise.resolve(recorder.events.length >= 2 ? true : undefined));
    const texts = recorder.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type));
    expect(texts.filter((text) => text === 'after')).toHaveLength(1);
    expect(texts[0]).toBe('before');
    expect(promoted).not.toBe(owner);
    // The replica had the log: the promoted master holds both events.
    expect(await cluster.command(promoted, 'XLEN', log)).toBe('2');
    expect(failoverMs).toBeLessThan(15_000);
    await tab.close();
  });
});
