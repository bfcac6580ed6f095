import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SCHEDULER_IDS } from '../../src/server/queues/job-queues.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { after, recordEvents } from '../support/subscription.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { createWsTestClient } from '../support/ws-client.js';
import { newBrowser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { settledFile, startFilesApp, type FilesApp } from '../support/files-app.js';

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
  let files: FilesApp;
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
    files = await startFilesApp({ database: 'sqlite', store: 'local' });
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

  it('catches a subscription up from the log after its shard subscriber drops (fault injected: the connection killed, an event written meanwhile)', async () => {
    const http = createTestClient(a.url);
    const session = await http.client.session.generate.mutate();
    const tab = createWsTestClient(b.url, { cookie: http.jar.header() });
    const recorder = recordEvents(tab, { sessionId: session.sessionId });
    await recorder.started;
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'live' });
    await recorder.received(1);

    // The master of the session's slot, and b's sharded subscriber connection on it.
    const log = `${a.app.redisPrefix}:events:{${session.sessionId}}`;
    const [owner] = admin.slots[await admin.cluster('KEYSLOT', log)] ?? [];
    const node = admin.nodes('master').find((candidate) => `${candidate.options.host}:${candidate.options.port}` === owner);
    if (!node) throw new Error(`no master for ${log}`);
    const subscriber = String(await node.client('LIST')).split('\n').find((line) => line.includes(`name=ioredis-cluster(ssubscriber):${b.app.redisPrefix}`) && !line.includes(' ssub=0 '));
    const id = /id=(\d+)/.exec(subscriber ?? '')?.[1];
    if (!id) throw new Error('b has no sharded subscriber on the session\'s master');
    // The 'live' entry, as the next one: written to the log only, right after the kill, on one
    // connection so that nothing can come between. Only a catch-up from the log can deliver it.
    const [entry] = await node.xrange(log, '-', '+');
    const gap = (entry?.[1][1] ?? '').replace('"live"', '"in the gap"');
    const replies = await node.pipeline().client('KILL', 'ID', id).xadd(log, '*', 'e', gap).exec();
    expect(replies?.map(([error]) => error)).toEqual([null, null]);

    await recorder.received(2);
    await http.client.chat.send.mutate({ sessionId: session.sessionId, text: 'after' });
    await recorder.received(3);
    expect(recorder.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type))).toEqual(['live', 'in the gap', 'after']);
    await tab.close();
  });

  it('shares rate limits between the instances', async () => {
    // Both apps see the same client (127.0.0.1): three validates anywhere spend the budget of three.
    // Without the session's cookie, so that they spend the network's budget, not the session's own.
    const { sessionId } = await createTestClient(a.url).client.session.generate.mutate();
    const first = createTestClient(a.url);
    const second = createTestClient(b.url);
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

  it('keeps the periodic jobs\' schedulers on the cluster (the workers\' scheduler keeper)', async () => {
    await files.startWorkers({ scheduleMaintenance: true, schedulerCheckEveryMs: 200 });
    const { expireSessions } = files.t.app.queues;
    expect((await expireSessions.getJobScheduler(SCHEDULER_IDS.expireSessions))?.every).toBe(60_000);
    // Lost, as a failover to a replica that had not caught up can lose it: the keeper writes it again.
    await expireSessions.removeJobScheduler(SCHEDULER_IDS.expireSessions);
    await expect.poll(async () => (await expireSessions.getJobScheduler(SCHEDULER_IDS.expireSessions))?.every, { timeout: 10_000 }).toBe(60_000);
  });

  it('sends no command that spans slots (no CROSSSLOT on any node)', async () => {
    expect(await crossSlotErrors(admin)).toBe(crossSlotBefore);
  });
});
