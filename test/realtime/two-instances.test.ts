import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';
import { testRedisEnv } from '../support/redis-env.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { after, recordEvents } from '../support/subscription.js';
import { createTestClient } from '../support/trpc-client.js';
import { createWsTestClient } from '../support/ws-client.js';
import { claimTestRedisDatabase, type ClaimedDatabase } from '../support/redis-databases.js';

describe.each(DATABASE_KINDS)('two server processes on one Redis and one %s database', (kind) => {
  let database: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let redis: ClaimedDatabase | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // The servers carry the default key prefix: on a single Redis a database of their own keeps
    // their queues and rate-limit budgets apart from every other server of the run, and is emptied
    // after. A cluster has only one database: there the prefix's keys stay, as on a fresh cluster.
    const redisEnv = testRedisEnv();
    redis = 'REDIS_CLUSTER_NODES' in redisEnv ? undefined : await claimTestRedisDatabase();
    const env = { DATA_DIR: database.dataDir, DATABASE_URL: database.url, ...(redis ? { REDIS_URL: redis.url } : redisEnv), RATE_LIMIT_PER_MINUTE: '10000' };
    a = await startServerProcess(env);
    // The second starts once the first has migrated the shared database.
    b = await startServerProcess(env);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await database.drop();
    await redis?.release();
  });

  it('delivers an event published through one to the subscribers of both, in order', async () => {
    const http = createTestClient(a.url);
    const session = await http.client.session.generate.mutate();
    const cookie = http.jar.header();
    const tabs = [a, a, b, b].map((instance) => createWsTestClient(instance.url, { cookie }));
    const recorders = tabs.map((tab) => recordEvents(tab, { sessionId: session.sessionId }));
    await Promise.all(recorders.map((r) => r.started));
    await after(100, null);

    const viaB = createTestClient(b.url, { jar: http.jar });
    await viaB.client.chat.send.mutate({ sessionId: session.sessionId, text: 'from b' });
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'from a' });
    await Promise.all(recorders.map((r) => r.received(2)));
    for (const recorder of recorders) {
      expect(recorder.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type))).toEqual(['from b', 'from a']);
    }

    const replacement = await viaB.client.session.reset.mutate({ sessionId: session.sessionId });
    await Promise.all(recorders.map((r) => r.completed));
    for (const recorder of recorders) {
      expect(recorder.events.at(-1)?.data).toEqual(expect.objectContaining({ type: 'session.reset', newSessionId: replacement.sessionId }));
    }
    await Promise.all(tabs.map((tab) => tab.close()));
  });

  it('resumes on the other instance with exactly the missed events', async () => {
    const http = createTestClient(a.url);
    const session = await http.client.session.generate.mutate();
    const cookie = http.jar.header();
    const onA = createWsTestClient(a.url, { cookie });
    const first = recordEvents(onA, { sessionId: session.sessionId });
    await first.started;
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'before the drop' });
    await first.received(1);
    await onA.close();

    for (const text of ['gap 1', 'gap 2']) await http.client.chat.send.mutate({ sessionId: session.sessionId, text });
    const onB = createWsTestClient(b.url, { cookie });
    const resumed = recordEvents(onB, { sessionId: session.sessionId, lastEventId: first.events[0]?.id });
    await resumed.received(2);
    await after(200, null);
    expect(resumed.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type))).toEqual(['gap 1', 'gap 2']);
    await onB.close();
  });
});
