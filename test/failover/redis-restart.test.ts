import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix } from '../../src/server/queues/job-queues.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { newBrowser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { after, recordEvents } from '../support/subscription.js';
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { eventually } from '../support/eventually.js';
import { chatMessages, chatSender, expectExactly, scenarioEnv } from './support/failover-scenario.js';
import { openTab } from './support/failover-tab.js';

/** The key prefix of server processes started without one (the default). */
const SERVER_PREFIX = 'tabsync';
const OUTAGE_MS = 10_000;

describe.each(DATABASE_KINDS)('Redis stopped for 10 s under load and started again, on %s', (kind) => {
  let redis: RedisProcess;
  let database: TestDatabase;
  let server: ServerProcess;
  let worker: WorkerProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedisProcess();
    database = await createTestDatabase(kind);
    env = scenarioEnv(database, redis.url);
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await worker?.kill('SIGTERM');
    await server.stop();
    await database.drop();
    await redis.dispose();
  });

  it('keeps validating, says not ready, keeps the subscriptions going with no event missed and loses no queued job', { timeout: 120_000 }, async () => {
    const http = await newBrowser(server.url);
    const { sessionId, cookie } = http;
    const chat = chatSender(http, sessionId);
    const tabs = [1, 2].map(() => openTab(() => server.url, cookie));
    // Plain subscriptions, which tRPC's client never starts again after an error: the server holds
    // them while its subscriber connection is down and catches them up from the log once it is back.
    const recorders = tabs.map((tab) => recordEvents(tab, { sessionId }));
    await Promise.all(recorders.map((recorder) => recorder.started));

    // Jobs queued before the stop, with no worker running yet: they must outlive it.
    const fileIds: string[] = [];
    for (let i = 0; i < 3; i += 1) fileIds.push(await uploadedFileId(await uploadRaw(server.url, PNG, { sessionId, name: `f${i}.png`, cookie })));
    for (let i = 0; i < 3; i += 1) await chat.send(`before ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length === 3), 20_000, 'the first messages arriving');

    await redis.stop();
    const stoppedAt = Date.now();
    // Load while Redis is away: validations (the session lives in the database; the rate limiter
    // falls back to its in-memory insurance) and messages, whose events are logged as lost by design.
    const validations: unknown[] = [];
    const readiness: number[] = [];
    let during = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      validations.push(await http.client.session.validate.mutate({ sessionId }));
      readiness.push((await fetch(`${server.url}/readyz`)).status);
      await chat.send(`during ${during++}`);
      await after(100, null);
    }
    expect(validations.length).toBeGreaterThan(5);
    expect(validations.every((answer) => answer !== null && typeof answer === 'object' && 'valid' in answer && answer.valid === true)).toBe(true);
    expect(readiness).toContain(503);

    await redis.start();
    await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 200, 30_000, '/readyz answering 200 again');
    for (let i = 0; i < 5; i += 1) await chat.send(`after ${i}`);
    const kept = chat.sent.filter((message) => !message.text.startsWith('during'));
    const withoutOutage = (events: typeof recorders[number]['events']) => events.filter((entry) => !(entry.data.type === 'chat.message' && entry.data.message.text.startsWith('during')));
    await eventually(
      () => recorders.every((recorder) => chatMessages(withoutOutage(recorder.events)).length >= kept.length),
      30_000,
      'the messages sent after Redis came back reaching every tab',
    );
    await after(300, null);
    for (const recorder of recorders) expectExactly(withoutOutage(recorder.events), kept);
    for (const recorder of recorders) expect(recorder.isOpen()).toBe(true);

    // The jobs queued before the stop come back from the append-only file and are processed.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const uploads = new Queue(QUEUE_NAMES.upload, { connection, prefix: bullPrefix(SERVER_PREFIX, QUEUE_NAMES.upload) });
    try {
      expect((await uploads.getJobs(['waiting'])).map((job) => job.id).sort()).toEqual([...fileIds].sort());
    } finally {
      await uploads.close();
      await connection.quit();
    }
    worker = await startWorkerProcess(env, { redisPrefix: SERVER_PREFIX, lockDuration: 5000, stalledInterval: 1000 });
    await eventually(async () => {
      const files = await http.client.files.list.query({ sessionId });
      return fileIds.every((fileId) => files.find((file) => file.fileId === fileId)?.status === 'stored');
    }, 30_000, 'every upload queued before the stop being stored');
    await eventually(
      () => recorders.every((recorder) => fileIds.every((fileId) => recorder.events.some((entry) => entry.data.type === 'file.stored' && entry.data.file.fileId === fileId))),
      20_000,
      'the tabs hearing of every stored file',
    );
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});
