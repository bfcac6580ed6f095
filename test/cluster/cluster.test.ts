import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { after, recordEvents } from '../support/subscription.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { createWsTestClient } from '../support/ws-client.js';
import { startFilesHarness, uploadedFileId, uploadRaw, newBrowser, settledFile, PNG, type FilesHarness } from '../files/harness.js';

/** The run's cluster (`npm run test:cluster` starts it); these tests run only there. */
function clusterSeeds(): { host: string; port: number }[] {
  return inject('redisClusterNodes').split(',').map((node) => {
    const [host = '', port = ''] = node.split(':');
    return { host, port: Number(port) };
  });
}

/** CROSSSLOT errors each master and replica has answered since it started (Redis 7's error stats). */
async function crossSlotErrors(cluster: Cluster): Promise<number> {
  const infos = await Promise.all([...cluster.nodes('master'), ...cluster.nodes('slave')].map((node) => node.info('errorstats')));
  return infos.reduce((sum, info) => sum + Number(/errorstat_CROSSSLOT:count=(\d+)/.exec(info)?.[1] ?? 0), 0);
}

describe('two instances on a Redis Cluster (3 masters, 3 replicas)', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let files: FilesHarness;
  let admin: Cluster;
  let crossSlotBefore: number;

  beforeAll(async () => {
    admin = new Cluster(clusterSeeds());
    crossSlotBefore = await crossSlotErrors(admin);
    database = await createTestDatabase('sqlite');
    const redisPrefix = `tabsync-test:${randomBytes(6).toString('hex')}`;
    const env = { RATE_LIMIT_PER_MINUTE: '3' };
    a = await startTestApp({ sharedDatabase: database, env, overrides: { redisPrefix } });
    b = await startTestApp({ sharedDatabase: database, env, overrides: { redisPrefix } });
    files = await startFilesHarness({ database: 'sqlite', store: 'local' });
  });
  afterAll(async () => {
    await files.close();
    await a.close();
    await b.close();
    await database.drop();
    admin.disconnect();
  });

  it('runs every Redis use on the cluster: the apps have no single Redis', () => {
    expect(a.app.redisUrl).toBeUndefined();
    expect(a.app.config.redisCluster?.nodes.length).toBe(6);
  });

  it('delivers an event sent through one instance to a subscription on the other (sharded pub/sub)', async () => {
    const http = createTestClient(a.url);
    const session = await http.client.session.generate.mutate();
    const tab = createWsTestClient(b.url, { cookie: http.jar.header() });
    const recorder = recordEvents(tab, { sessionId: session.sessionId });
    await recorder.started;
    await after(100, null);
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'across the cluster' });
    await recorder.received(1);
    expect(recorder.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type))).toEqual(['across the cluster']);
    // The session's log and its channel share the session's hash tag, so one master holds both.
    const [key] = await admin.nodes('master').reduce<Promise<string[]>>(async (found, node) => [...(await found), ...(await node.keys(`${a.app.redisPrefix}:events:*`))], Promise.resolve([]));
    expect(key).toBe(`${a.app.redisPrefix}:events:{${session.sessionId}}`);
    await tab.close();
  });

  it('shares rate limits between the instances', async () => {
    // Both apps see the same client (127.0.0.1): three validates anywhere spend the budget of three.
    const first = createTestClient(a.url);
    const { sessionId } = await first.client.session.generate.mutate();
    const second = createTestClient(b.url, { jar: first.jar });
    await first.client.session.validate.mutate({ sessionId });
    await second.client.session.validate.mutate({ sessionId });
    await first.client.session.validate.mutate({ sessionId });
    await expect(second.client.session.validate.mutate({ sessionId })).rejects.toMatchObject({ data: { code: 'TOO_MANY_REQUESTS' } });
  });

  it('processes an upload with a worker through a BullMQ queue on the cluster', async () => {
    const browser = await newBrowser(files.url);
    const fileId = await uploadedFileId(await uploadRaw(files.url, PNG, { sessionId: browser.sessionId, name: 'pixel.png', cookie: browser.cookie }));
    expect((await settledFile(files.t, fileId)).status).toBe('stored');
    expect(await (await files.t.app.queues.upload.getJob(fileId))?.getState()).toBe('completed');
  });

  it('sends no command that spans slots (no CROSSSLOT on any node)', async () => {
    expect(await crossSlotErrors(admin)).toBe(crossSlotBefore);
  });
});
