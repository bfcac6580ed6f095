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
/** Every move of an upload takes this long in the first worker (injected), so jobs are in its hands at the signal. */
const SLOW_MOVE_MS = 2500;

/** The exit code, or 'too slow' past the 10 s an orchestrator waits before it kills. */
function exitWithin10s(exited: Promise<number | null>): Promise<number | null | 'too slow'> {
  return Promise.race([exited, after(10_000, 'too slow' as const)]);
}

describe.each(DATABASE_KINDS)('SIGTERM to a server and a worker during open subscriptions and running jobs, on %s', (kind) => {
  let redis: RedisProcess;
  let database: TestDatabase;
  let env: Record<string, string>;
  let leaving: ServerProcess;
  let staying: ServerProcess;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisProcess();
    database = await createTestDatabase(kind);
    env = scenarioEnv(database, redis.url);
    leaving = await startServerProcess(env);
    // The second starts once the first has migrated the shared database.
    staying = await startServerProcess(env);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await Promise.all([leaving.stop('SIGKILL'), staying.stop()]);
    await database.drop();
    await redis.dispose();
  });

  it('tells the tabs to reconnect, exits 0 within 10 s, and loses no job and no event', { timeout: 120_000 }, async () => {
    const http = await newBrowser(staying.url);
    const { sessionId, cookie } = http;
    const chat = chatSender(http, sessionId);
    const alive = () => (leaving.child.exitCode === null && leaving.child.signalCode === null ? leaving.url : staying.url);
    const tabs = [1, 2].map(() => openTab(alive, cookie));
    const recorders = tabs.map((tab) => recordEvents(tab, { sessionId }));
    await Promise.all(recorders.map((recorder) => recorder.started));
    for (let i = 0; i < 3; i += 1) await chat.send(`before ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length === 3), 20_000, 'the first messages arriving');

    const first = await startWorkerProcess(env, { redisPrefix: SERVER_PREFIX, lockDuration: 5000, stalledInterval: 1000, slowMoveMs: SLOW_MOVE_MS });
    workers.push(first);
    const fileIds: string[] = [];
    for (let i = 0; i < 3; i += 1) fileIds.push(await uploadedFileId(await uploadRaw(staying.url, PNG, { sessionId, name: `f${i}.png`, cookie })));
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const uploads = new Queue(QUEUE_NAMES.upload, { connection, prefix: bullPrefix(SERVER_PREFIX, QUEUE_NAMES.upload) });
    try {
      await eventually(async () => (await uploads.getActiveCount()) > 0, 20_000, 'a job running in the first worker');
    } finally {
      await uploads.close();
      await connection.quit();
    }

    const [serverExit, workerExit] = await Promise.all([exitWithin10s(leaving.stop('SIGTERM')), exitWithin10s(first.kill('SIGTERM'))]);
    expect(serverExit).toBe(0);
    expect(workerExit).toBe(0);
    for (const tab of tabs) expect(tab.reconnectNotices()).toBeGreaterThanOrEqual(1);

    // Whatever the first worker handed back, another finishes.
    workers.push(await startWorkerProcess(env, { redisPrefix: SERVER_PREFIX, lockDuration: 5000, stalledInterval: 1000 }));
    for (let i = 0; i < 3; i += 1) await chat.send(`after ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length >= chat.sent.length), 30_000, 'every message reaching the tabs on the other instance');
    await after(300, null);
    for (const recorder of recorders) expectExactly(recorder.events, chat.sent);

    await eventually(async () => {
      const files = await http.client.files.list.query({ sessionId });
      return fileIds.every((fileId) => files.find((file) => file.fileId === fileId)?.status === 'stored');
    }, 30_000, 'every upload stored');
    await eventually(
      () => recorders.every((recorder) => fileIds.every((fileId) => recorder.events.some((entry) => entry.data.type === 'file.stored' && entry.data.file.fileId === fileId))),
      20_000,
      'the tabs hearing of every stored file',
    );
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});
