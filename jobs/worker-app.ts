import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import { createRedisConnector } from '../src/server/redis/connect-redis.js';
import type { Config } from '../src/server/config/env.js';
import { createDatabase, type Database } from '../src/server/db/database.js';
import { createLogger, type Logger } from '../src/server/logger.js';
import { bullPrefix, JobQueues, KEEP_COMPLETED, KEEP_FAILED } from '../src/server/queues/job-queues.js';
import { EventBus } from '../src/server/realtime/event-bus.js';
import { locateRedis, RedisUnavailableError } from '../src/server/redis/locate-redis.js';
import { systemClock, type Clock } from '../src/server/services/actor.js';
import { AuditArchiveStore } from '../src/server/services/audit/audit-archive-store.js';
import { AuditArchiver } from '../src/server/services/audit/audit-archiver.js';
import { AuditStore } from '../src/server/services/audit/audit-store.js';
import { AuditService } from '../src/server/services/audit/audit.service.js';
import { FilesService } from '../src/server/services/files/files.service.js';
import { OrphanCleanupService } from '../src/server/services/files/orphan-cleanup.service.js';
import { abandonedUploadAfterMs } from '../src/server/services/files/upload-liveness.js';
import { SessionService } from '../src/server/services/session/session.service.js';
import { createObjectStore } from '../src/server/storage/create-object-store.js';
import type { ObjectStore } from '../src/server/storage/object-store.js';
import { QUEUE_NAMES, type QueueName } from '../src/shared/jobs.js';
import {
  ARCHIVE_AUDIT_EVERY_MS,
  ARCHIVE_AUDIT_QUEUE,
  ARCHIVE_AUDIT_SCHEDULER_ID,
  archiveAuditJobSchema,
  createArchiveAuditProcessor,
} from './processors/archive-audit.processor.js';
import { createCleanupOrphansProcessor } from './processors/cleanup-orphans.processor.js';
import { createExpireSessionsProcessor } from './processors/expire-sessions.processor.js';
import { createUploadProcessor } from './processors/upload.processor.js';
import { ShutdownStack } from '../src/server/shutdown-stack.js';

/** Tuning a test (or an operator embedding the workers) may change. */
export type WorkerTuning = Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'drainDelay'>;

export interface WorkerAppOverrides {
  log?: Logger;
  clock?: Clock;
  /** Must be the web server's prefix: producers and workers meet on the same keys. */
  redisPrefix?: string;
  /** The server's Redis when the workers run in its process (`npm start`). */
  redisUrl?: string;
  /** The object store (a test wraps the real one to inject faults); the configured one otherwise. It is closed with the workers. */
  storage?: ObjectStore;
  workerOptions?: WorkerTuning;
  /** Upsert the schedulers of the periodic jobs at start (default true). */
  scheduleMaintenance?: boolean;
  /** How often `expire-sessions` runs (default every minute). */
  expireEveryMs?: number;
  /** How often `archive-audit` runs (default every hour). */
  archiveAuditEveryMs?: number;
  /** How long workers may finish their active jobs on close before they are stopped (default 30 s). */
  shutdownGraceMs?: number;
}

export interface WorkerApp {
  config: Config;
  log: Logger;
  db: Database;
  storage: ObjectStore;
  queues: JobQueues;
  services: { files: FilesService; cleanup: OrphanCleanupService; sessions: SessionService; audit: AuditService; archiver: AuditArchiver; events: EventBus };
  workers: Record<QueueName, Worker>;
  /** The periodic audit archive's queue and worker (apart from `workers`: no API instance produces its jobs). */
  archiveAudit: { queue: Queue; worker: Worker };
  /** Stops taking jobs, lets the active ones finish (or hands them back after the grace period), then closes every part. */
  close(): Promise<void>;
}


const EXPIRE_EVERY_MS = 60_000;

/**
 * The workers' composition root: config → database → Redis → storage → services → workers. The
 * web server's parts are built the same way in src/server/app.ts; the two processes share only
 * the database, Redis (queues and events) and the object store.
 */
export async function createWorkerApp(config: Config, overrides: WorkerAppOverrides = {}): Promise<WorkerApp> {
  const log = overrides.log ?? createLogger(config.logLevel).child({ part: 'workers' });
  const clock = overrides.clock ?? systemClock;
  const redisPrefix = overrides.redisPrefix ?? 'tabsync';
  const closers = new ShutdownStack(log);

  try {
    const db = createDatabase(config.databaseUrl, { info: (msg) => { log.debug(msg); } });
    closers.push(() => db.close());
    await db.migrate();

    const redisUrl = overrides.redisUrl ?? (await locateSharedRedis(config));
    const connectRedis = createRedisConnector({ url: redisUrl, namePrefix: `${redisPrefix}:worker`, log, shutdown: closers }).connect;

    const events = new EventBus({
      redis: await connectRedis('events'),
      // Workers only publish: the subscriber connection is never opened.
      subscriber: await connectRedis('subscriber', { lazyConnect: true }),
      prefix: redisPrefix,
      log,
      retentionMs: config.sessionMaxAgeMs,
    });
    closers.push(() => events.close());

    const storage = overrides.storage ?? createObjectStore(config);
    closers.push(() => storage.close());

    const audit = new AuditService({ db, clock });
    closers.push(() => audit.close());
    const archiver = new AuditArchiver({ rows: new AuditStore(db), archives: new AuditArchiveStore(storage), clock, retentionMs: config.auditRetentionMs });
    const sessions = new SessionService({ db, audit, events, clock, idleTtlMs: config.sessionIdleTtlMs, maxAgeMs: config.sessionMaxAgeMs });
    const files = new FilesService({ db, storage, audit, events, clock, maxUploadBytes: config.maxUploadBytes });
    const cleanup = new OrphanCleanupService({
      db,
      storage,
      audit,
      events,
      clock,
      graceMs: config.orphanGraceMs,
      // The web server's uploads touch their rows every UPLOAD_IDLE_TIMEOUT (app.ts).
      abandonedUploadMs: abandonedUploadAfterMs(config.uploadIdleTimeoutMs),
    });

    const queues = new JobQueues({ connection: await connectRedis('queues'), prefix: redisPrefix, log });
    closers.push(() => queues.close());
    const archiveQueue = new Queue(ARCHIVE_AUDIT_QUEUE, { connection: await connectRedis('archive-audit'), prefix: bullPrefix(redisPrefix) });
    archiveQueue.on('error', (error) => { log.warn({ err: error, queue: ARCHIVE_AUDIT_QUEUE }, 'queue error'); });
    closers.push(() => archiveQueue.close());
    if (overrides.scheduleMaintenance ?? true) {
      await queues.scheduleMaintenance({ cleanupOrphansMs: config.cleanupEveryMs, expireSessionsMs: overrides.expireEveryMs ?? EXPIRE_EVERY_MS });
      await archiveQueue.upsertJobScheduler(
        ARCHIVE_AUDIT_SCHEDULER_ID,
        { every: overrides.archiveAuditEveryMs ?? ARCHIVE_AUDIT_EVERY_MS },
        { name: ARCHIVE_AUDIT_QUEUE, data: archiveAuditJobSchema.parse({}), opts: { attempts: 3, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } },
      );
    }

    // BullMQ's workers block on Redis: their connection retries for ever instead of failing a command.
    const workerConnection = await connectRedis('bullmq', { maxRetriesPerRequest: null });
    const common: WorkerOptions = {
      connection: workerConnection,
      prefix: bullPrefix(redisPrefix),
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
      ...overrides.workerOptions,
    };
    const start = <R>(queue: string, processor: (job: Job) => Promise<R>, concurrency: number) => {
      const worker = new Worker(queue, processor, { ...common, concurrency });
      worker.on('failed', (job, error) => {
        log.warn({ err: error, queue, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job failed');
      });
      worker.on('error', (error) => { log.error({ err: error, queue }, 'worker error'); });
      return worker;
    };
    const workers: Record<QueueName, Worker> = {
      [QUEUE_NAMES.upload]: start(QUEUE_NAMES.upload, createUploadProcessor(files, events), config.workerConcurrency),
      [QUEUE_NAMES.cleanupOrphans]: start(QUEUE_NAMES.cleanupOrphans, createCleanupOrphansProcessor(cleanup), 1),
      [QUEUE_NAMES.expireSessions]: start(QUEUE_NAMES.expireSessions, createExpireSessionsProcessor(sessions), 1),
    };
    const archiveWorker = start(ARCHIVE_AUDIT_QUEUE, createArchiveAuditProcessor(archiver), 1);
    const allWorkers = [...Object.values(workers), archiveWorker];
    await Promise.all(allWorkers.map((worker) => worker.waitUntilReady()));
    log.info({ concurrency: config.workerConcurrency, store: storage.kind }, 'workers started');

    const graceMs = overrides.shutdownGraceMs ?? 30_000;
    let closing: Promise<void> | undefined;
    return {
      config,
      log,
      db,
      storage,
      queues,
      services: { files, cleanup, sessions, audit, archiver, events },
      workers,
      archiveAudit: { queue: archiveQueue, worker: archiveWorker },
      close: () => {
        closing ??= (async () => {
          await closeWorkers(allWorkers, graceMs, log);
          await closers.closeAll();
        })();
        return closing;
      },
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

/**
 * Lets active jobs finish. Past the grace period the rest of the app closes anyway: jobs still
 * running lose their locks, and BullMQ's stalled-job check hands them to another worker.
 */
async function closeWorkers(workers: Worker[], graceMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = Promise.all(workers.map((worker) => worker.close())).then(() => 'closed' as const);
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => { resolve('timeout'); }, graceMs); });
  const outcome = await Promise.race([graceful, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') log.warn({ graceMs }, 'active jobs did not finish in time; they will be handed to another worker');
}

/**
 * Workers must reach the server's Redis: REDIS_URL, or the local one. A private Redis of their own
 * (which the server may start for itself) would be a queue nobody else sees.
 */
async function locateSharedRedis(config: Config): Promise<string> {
  const location = await locateRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  if (location.source === 'private') {
    await location.stop();
    throw new RedisUnavailableError(
      'Workers need the Redis the web server uses: set REDIS_URL (e.g. redis://127.0.0.1:6379), or start them beside the server with `npm start`.',
    );
  }
  return location.url;
}

/** Closes the workers on SIGTERM or SIGINT (once), then exits: 0 when everything closed, 1 otherwise. */
export function closeOnSignals(app: Pick<WorkerApp, 'close' | 'log'>): void {
  const stop = (signal: string) => {
    app.log.info({ signal }, 'workers shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'worker shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => { stop('SIGTERM'); });
  process.once('SIGINT', () => { stop('SIGINT'); });
}
