import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createWorkerApp, type WorkerApp, type WorkerAppOverrides } from '../../jobs/worker-app.js';
import type { AppOverrides } from '../../src/server/app.js';
import type { SessionFileAttributes } from '../../src/server/db/models/session-file.js';
import { listAll, type ObjectStore } from '../../src/server/storage/object-store.js';
import type { SessionEvent } from '../../src/shared/events.js';
import type { DatabaseKind } from './databases.js';
import { eventually } from './eventually.js';
import { useForBlock } from './per-block.js';
import { testRedisEnv } from './redis-env.js';
import { startS3rver, type S3Server } from './s3rver.js';
import type { StoreKind } from './store-kinds.js';
import { startTestApp, type TestApp } from './test-app.js';

export interface FilesAppOptions {
  database: DatabaseKind;
  store: StoreKind;
  env?: Record<string, string>;
  /** Start workers in this process beside the app (default true). */
  workers?: boolean;
  workerOverrides?: WorkerAppOverrides;
  appOverrides?: AppOverrides;
}

export interface FilesApp {
  t: TestApp;
  url: string;
  storage: ObjectStore;
  redisPrefix: string;
  workers: WorkerApp | undefined;
  s3: S3Server | undefined;
  /** The environment the app was configured with (for child worker processes). */
  env: Record<string, string>;
  startWorkers(overrides?: WorkerAppOverrides): Promise<WorkerApp>;
  close(): Promise<void>;
}

/** A real app (database, Redis, object store: local disk or s3rver) and, unless told not to, its workers in-process. */
export async function startFilesApp(options: FilesAppOptions): Promise<FilesApp> {
  const s3 = options.store === 's3' ? await startS3rver() : undefined;
  const redisPrefix = `tabsync-test:${randomBytes(6).toString('hex')}`;
  // Budgets out of the way unless a test sets its own: the suites upload far more than 20 files a minute.
  const env = { RATE_LIMIT_PER_MINUTE: '100000', UPLOAD_RATE_LIMIT_PER_MINUTE: '100000', ...s3?.env, ...options.env };
  let t: TestApp;
  try {
    t = await startTestApp({ database: options.database, env, overrides: { redisPrefix, ...options.appOverrides } });
  } catch (error) {
    await s3?.stop();
    throw error;
  }
  const started: WorkerApp[] = [];
  const startWorkers = async (overrides: WorkerAppOverrides = {}) => {
    const workers = await createWorkerApp(t.app.config, {
      log: pino({ level: 'silent' }),
      redisUrl: t.app.redisUrl,
      redisPrefix,
      scheduleMaintenance: false,
      shutdownGraceMs: 5000,
      ...options.workerOverrides,
      ...overrides,
    });
    started.push(workers);
    return workers;
  };
  const workers = options.workers === false ? undefined : await startWorkers();
  return {
    t,
    url: t.url,
    storage: t.app.storage,
    redisPrefix,
    workers,
    s3,
    env: { ...env, DATA_DIR: t.database.dataDir, DATABASE_URL: t.database.url, ...testRedisEnv() },
    startWorkers,
    async close() {
      for (const worker of started) await worker.close();
      await Promise.all(t.app.queues.all.map((queue) => queue.obliterate({ force: true })));
      await t.close();
      await s3?.stop();
    },
  };
}

/** A files app (as startFilesApp) for the enclosing describe block (or file): started before its first test, closed after its last. */
export function useFilesApp(options: FilesAppOptions): FilesApp {
  return useForBlock('the files app', () => startFilesApp(options), (h) => h.close());
}

/** Polls the row until its status is no longer `uploading`. */
export async function settledFile(t: TestApp, fileId: string, timeoutMs = 20_000): Promise<SessionFileAttributes> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await t.app.db.models.SessionFile.findByPk(fileId);
    if (row && row.status !== 'uploading') return row.get({ plain: true });
    if (Date.now() > deadline) throw new Error(`file ${fileId} is still ${row?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function allKeys(storage: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listAll(storage, prefix)) keys.push(...page.map((object) => object.key));
  return keys;
}

/**
 * The session's events once `ready` holds for them. A worker marks a row before it publishes the
 * event, so a test that saw the row waits for the event too.
 */
export async function eventsOnce(h: FilesApp, sessionId: string, ready: (events: SessionEvent[]) => boolean): Promise<SessionEvent[]> {
  let events: SessionEvent[] = [];
  await eventually(async () => {
    events = (await h.t.app.services.events.since(sessionId, null)).map((entry) => entry.event);
    return ready(events);
  }, 10_000, 'the expected events');
  return events;
}
