import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix } from '../../src/server/queues/job-queues.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { newBrowser, type Browser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { settledFile, startFilesApp, type FilesApp } from '../support/files-app.js';
import { startRedisCluster, type RedisClusterProcess } from '../support/redis-cluster.js';
import { recordEvents } from '../support/subscription.js';
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
  let h: FilesApp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    h = await startFilesApp({
      database: 'sqlite',
      store: 'local',
      env: { REDIS_CLUSTER_NODES: cluster.nodes, RATE_LIMIT_PER_MINUTE: '10000', CHAT_RATE_LIMIT_PER_MINUTE: '10000', SESSION_MESSAGES_PER_MINUTE: '10000' },
    });
  });
  afterAll(async () => {
    await h.close();
    await cluster.stop();
  });

  it('promotes the replica; validation answers throughout; chat, uploads and the subscription go on, nothing lost or doubled', async () => {
    // A session whose slot lives on the master that also holds the upload queue: one kill hits both.
    const queueOwner = await cluster.masterFor(bullPrefix(h.redisPrefix, QUEUE_NAMES.upload));
    const browser = await within(20_000, 'a session on the upload queue\'s master', async (): Promise<Browser | undefined> => {
      const candidate = await newBrowser(h.url);
      return (await cluster.masterFor(`{${candidate.sessionId}}`)) === queueOwner ? candidate : undefined;
    });
    const { sessionId } = browser;
    const tab = createWsTestClient(h.url, { cookie: browser.cookie });
    const recorder = recordEvents(tab, { sessionId });
    await recorder.started;
    await browser.client.chat.send.mutate({ sessionId, text: 'before' });
    await recorder.received(1);
    const log = `${h.redisPrefix}:events:{${sessionId}}`;
    expect(await cluster.command(queueOwner, 'XLEN', log)).toBe('1');

    cluster.kill(queueOwner);
    const started = Date.now();

    // Validation answers throughout: the rate limiter's in-memory insurance covers the gap.
    const validatedAt: number[] = [];
    const validating = (async () => {
      while (Date.now() - started < 6000) {
        const result = await browser.client.session.validate.mutate({ sessionId });
        expect(result.valid).toBe(true);
        validatedAt.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const promoted = await within(15_000, 'a replica taking over the slot', async () => {
      const port = await cluster.masterFor(`{${sessionId}}`);
      return port === queueOwner ? undefined : port;
    });
    const failoverMs = Date.now() - started;

    // Chat answers again within seconds; what it sends reaches the open subscription once, in order.
    await within(10_000, 'chat answering again', () => browser.client.chat.send.mutate({ sessionId, text: 'after 1' }));
    for (const text of ['after 2', 'after 3']) await browser.client.chat.send.mutate({ sessionId, text });
    // Uploads are queued again, and a worker processes them.
    const fileId = await within(10_000, 'an upload accepted again', async () => {
      const response = await uploadRaw(h.url, PNG, { sessionId, name: 'after.png', cookie: browser.cookie });
      return response.status === 201 ? uploadedFileId(response) : undefined;
    });
    expect((await settledFile(h.t, fileId)).status).toBe('stored');
    await validating;

    const texts = () => recorder.events.flatMap((e) => (e.data.type === 'chat.message' ? [e.data.message.text] : []));
    await within(10_000, 'the messages sent after the failover reaching the tab', () => Promise.resolve(texts().includes('after 3') ? true : undefined));
    const chat = texts();
    expect(chat).toEqual(['before', 'after 1', 'after 2', 'after 3']);
    // The replica had the log: the promoted master holds every event of the session.
    expect(Number(await cluster.command(promoted, 'XLEN', log))).toBeGreaterThanOrEqual(4);
    // Validations answered before the replica took over, and after.
    expect(validatedAt.some((at) => at < started + failoverMs)).toBe(true);
    expect(validatedAt.some((at) => at > started + failoverMs)).toBe(true);
    expect(failoverMs).toBeLessThan(15_000);
    await tab.close();
  });
});
