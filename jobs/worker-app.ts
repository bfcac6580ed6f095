import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import { createAdminGate } from '../src/server/security/create-admin-gate.js';
import type { Config } from '../src/server/config/env.js';
import { createProcessDeps } from '../src/server/process-deps.js';
import type { Database } from '../src/server/db/database.js';
import { createClientIpResolver } from '../src/server/http/client-ip.js';
import { createSecureRequestTest } from '../src/server/http/request-security.js';
import { createRequestIdReader } from '../src/server/http/request-id.js';
import { bullPrefix, KEEP_COMPLETED, KEEP_FAILED, type JobQueues } from '../src/server/queues/job-queues.js';
import type { EventBus } from '../src/server/realtime/event-bus.js';
import type { Clock } from '../src/server/services/actor.js';
import type { AuditService } from '../src/server/services/audit/audit.service.js';
import type { SessionService } from '../src/server/services/session/session.service.js';
import { createLogger, stdoutLogFormat, type Logger } from '../src/server/logger.js';
import { AuditArchiveStore } from '../src/server/services/audit/audit-archive-store.js';
import { AuditArchiver } from '../src/server/services/audit/audit-archiver.js';
import { AuditCheckpoints, checkpointKeyFrom } from '../src/server/services/audit/audit-checkpoint.js';
import { AuditStore } from '../src/server/services/audit/audit-store.js';
import { OrphanCleanupService, type CleanupReport } from '../src/server/services/files/orphan-cleanup.service.js';
import { abandonedUploadAfterMs } from '../src/server/services/files/upload-liveness.js';
import { UploadProcessingService } from '../src/server/services/files/upload-processing.service.js';
import { createRefusalAuditGate } from '../src/server/security/create-refusal-audit-gate.js';
import { OriginPolicy } from '../src/server/http/origin-policy.js';
import type { ObjectStore } from '../src/server/storage/object-store.js';
import type { AppMetrics } from '../src/server/metrics/app-metrics.js';
import { auditMetricsObserver } from '../src/server/metrics/audit-metrics.js';
import { watchJobs } from '../src/server/metrics/job-metrics.js';
import { createWorkerMetrics } from '../src/server/metrics/worker-metrics.js';
import type { ArchiveReport } from '../src/server/services/audit/audit-archiver.js';
import {
  QUEUE_NAMES,
  type QueueName,
  type ArchiveAuditJob,
  type CleanupOrphansJob,
  type ExpireSessionsJob,
  type ExpireSessionsResult,
  type UploadJob,
  type UploadJobResult,
} from '../src/shared/jobs.js';
import { startAuditCheckpoints } from './audit-checkpoint-timer.js';
import { ARCHIVE_AUDIT_EVERY_MS, createArchiveAuditProcessor } from './processors/archive-audit.processor.js';
import { createCleanupOrphansProcessor } from './processors/cleanup-orphans.processor.js';
import { createExpireSessionsProcessor } from './processors/expire-sessions.processor.js';
import { createUploadFailureHandler } from './processors/upload-failures.js';
import { createUploadProcessor } from './processors/upload.processor.js';
import { keepSchedulers } from './scheduler-keeper.js';
import { startWorkerHost } from './worker-host.js';

// The worker entry points (jobs/main.ts and the tests' worker process) stop the same way as the server.
export { closeOnSignals } from '../src/server/process-lifecycle.js';

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
  /** Upsert the schedulers of the periodic jobs at start, restore them if Redis loses them, and write the audit checkpoint (default true). */
  scheduleMaintenance?: boolean;
  /** How often to look for schedulers Redis lost (default every minute). */
  schedulerCheckEveryMs?: number;
  /** How often `expire-sessions` runs (default every minute). */
  expireEveryMs?: number;
  /** How often `archive-audit` runs (default every hour). */
  archiveAuditEveryMs?: number;
  /** How often this process writes the audit checkpoint (default every minute). */
  auditCheckpointEveryMs?: number;
  /** How long workers may finish their active jobs on close before they are stopped (default 30 s). */
  shutdownGraceMs?: number;
  /**
   * The web server's metrics when the workers run in its process (`npm start`): jobs, expiries and
   * cleanups are counted there and served at its /metrics, and WORKER_METRICS_PORT is ignored.
   * Workers on their own count into a registry of theirs, served on WORKER_METRICS_PORT if set.
   */
  metrics?: AppMetrics;
}

export interface WorkerApp {
  config: Config;
  log: Logger;
  db: Database;
  storage: ObjectStore;
  queues: JobQueues;
  services: { uploadProcessing: UploadProcessingService; cleanup: OrphanCleanupService; sessions: SessionService; audit: AuditService; archiver: AuditArchiver; events: EventBus };
  workers: QueueWorkers;
  /** Where /metrics, /healthz and /readyz are served (WORKER_METRICS_PORT; with 0, the port picked), if anywhere. */
  httpUrl: string | undefined;
  /** Stops taking jobs, lets the active ones finish (or hands them back after the grace period), then closes every part. */
  close(): Promise<void>;
}

/** One worker per queue, typed with the payload it takes and the result it returns. */
export interface QueueWorkers {
  [QUEUE_NAMES.upload]: Worker<UploadJob, UploadJobResult>;
  [QUEUE_NAMES.cleanupOrphans]: Worker<CleanupOrphansJob, CleanupReport>;
  [QUEUE_NAMES.expireSessions]: Worker<ExpireSessionsJob, ExpireSessionsResult>;
  [QUEUE_NAMES.archiveAudit]: Worker<ArchiveAuditJob, ArchiveReport>;
}

/** What starting and stopping needs of a worker, whatever it processes. */
type WorkerHandle = Pick<Worker, 'waitUntilReady' | 'close'>;

const EXPIRE_EVERY_MS = 60_000;

/**
 * The workers' composition root: the process's dependencies (config → database → Redis → storage → services, the
 * same as the web server's in src/server/app.ts) → the archiver and the cleanup → workers. The two
 * processes share only the database, Redis (queues and events) and the object store.
 */
export async function createWorkerApp(config: Config, overrides: WorkerAppOverrides = {}): Promise<WorkerApp> {
  const log = overrides.log ?? createLogger(config.logLevel, stdoutLogFormat(config.env)).child({ part: 'workers' });
  const processDeps = await createProcessDeps(config, {
    log,
    clock: overrides.clock,
    redisPrefix: overrides.redisPrefix,
    redisUrl: overrides.redisUrl,
    mayStartRedis: false,
    connectionTag: 'worker',
    subscribesToEvents: false,
    storage: overrides.storage,
  });
  const { db, events, storage, queues, audit, sessions, clock, redisPrefix, connectRedis, shutdown: closers } = processDeps;

  try {
    const auditRows = new AuditStore(db);
    const archiver = new AuditArchiver({ rows: auditRows, archives: new AuditArchiveStore(storage), clock, retentionMs: config.auditRetentionMs });
    const uploadProcessing = new UploadProcessingService({ db, storage, audit, events, clock, maxUploadBytes: config.maxUploadBytes });
    const cleanup = new OrphanCleanupService({
      db,
      storage,
      audit,
      events,
      clock,
      graceMs: config.orphanGraceMs,
      // The web server's uploads touch their rows every UPLOAD_IDLE_TIMEOUT (FilesService's heartbeat).
      abandonedUploadMs: abandonedUploadAfterMs(config.uploadIdleTimeoutMs),
    });

    if (overrides.scheduleMaintenance ?? true) {
      const every = {
        cleanupOrphansMs: config.cleanupEveryMs,
        expireSessionsMs: overrides.expireEveryMs ?? EXPIRE_EVERY_MS,
        archiveAuditMs: overrides.archiveAuditEveryMs ?? ARCHIVE_AUDIT_EVERY_MS,
      };
      await queues.scheduleMaintenance(every);
      const keeper = keepSchedulers({ queues, every, checkEveryMs: overrides.schedulerCheckEveryMs, log });
      closers.push(() => keeper.stop());
      const checkpoints = new AuditCheckpoints(storage, checkpointKeyFrom(config));
      const checkpointTimer = startAuditCheckpoints({ rows: auditRows, checkpoints, clock, everyMs: overrides.auditCheckpointEveryMs, log });
      closers.push(() => checkpointTimer.stop());
    }

    // Served before the workers start: a port already taken stops start-up with nothing to undo but the closers.
    const metricsPort = overrides.metrics ? undefined : config.workerMetricsPort;
    if (overrides.metrics && config.workerMetricsPort !== undefined) {
      log.info('WORKER_METRICS_PORT is ignored: these workers run in the web server, whose /metrics counts their jobs');
    }
    const metrics = overrides.metrics ?? (metricsPort === undefined ? undefined : createWorkerMetrics(queues.all));
    if (metrics) audit.observe(auditMetricsObserver(metrics));
    let httpUrl: string | undefined;
    if (metrics && metricsPort !== undefined) {
      // Admin checks and /readyz answer at once: with no offline queue, an outage fails fast (the gate falls back to memory).
      const redis = await connectRedis('admin', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      // This process's one refusal gate: the host's and the admin gate's refusals count together.
      const refusalGate = createRefusalAuditGate(redis, redisPrefix);
      const host = await startWorkerHost({
        host: config.host,
        port: metricsPort,
        log,
        audit,
        metrics,
        adminGate: createAdminGate({ token: config.adminToken, redis, redisPrefix, audit, refusalGate }),
        refusalGate,
        originPolicy: new OriginPolicy(config.corsOrigins, createSecureRequestTest(config.trustProxy)),
        clientIp: createClientIpResolver(config.trustProxy),
        requestId: createRequestIdReader(config.trustProxy.kind !== 'none'),
        readiness: { database: () => db.ping(), redis: async () => { await redis.ping(); }, objectStore: () => storage.ping() },
      });
      closers.push(() => host.close());
      httpUrl = host.url;
      log.info({ url: httpUrl }, `worker metrics are served at ${httpUrl}/metrics`);
    }

    // BullMQ's workers block on Redis: their connection retries for ever instead of failing a command.
    const workerConnection = await connectRedis('bullmq', { maxRetriesPerRequest: null });
    const common: WorkerOptions = {
      connection: workerConnection,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
      ...overrides.workerOptions,
    };
    const start = <D, R>(queue: QueueName, processor: Processor<D, R>, concurrency: number) => {
      const worker = new Worker<D, R>(queue, processor, { ...common, prefix: bullPrefix(redisPrefix, queue), concurrency });
      if (metrics) watchJobs(metrics, worker);
      worker.on('failed', (job, error) => {
        log.warn({ err: error, queue, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job failed');
      });
      worker.on('error', (error) => { log.error({ err: error, queue }, 'worker error'); });
      return worker;
    };
    const uploadFailures = createUploadFailureHandler(uploadProcessing, events, log);
    const workers: QueueWorkers = {
      [QUEUE_NAMES.upload]: start(QUEUE_NAMES.upload, createUploadProcessor(uploadProcessing, events), config.workerConcurrency),
      [QUEUE_NAMES.cleanupOrphans]: start(QUEUE_NAMES.cleanupOrphans, createCleanupOrphansProcessor(cleanup), 1),
      [QUEUE_NAMES.expireSessions]: start(QUEUE_NAMES.expireSessions, createExpireSessionsProcessor(sessions), 1),
      [QUEUE_NAMES.archiveAudit]: start(QUEUE_NAMES.archiveAudit, createArchiveAuditProcessor(archiver), 1),
    };
    workers[QUEUE_NAMES.upload].on('failed', uploadFailures.onFailed);
    const allWorkers: WorkerHandle[] = [
      workers[QUEUE_NAMES.upload],
      workers[QUEUE_NAMES.cleanupOrphans],
      workers[QUEUE_NAMES.expireSessions],
      workers[QUEUE_NAMES.archiveAudit],
    ];
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
      services: { uploadProcessing, cleanup, sessions, audit, archiver, events },
      workers,
      httpUrl,
      close: () => {
        closing ??= (async () => {
          await closeWorkers(allWorkers, graceMs, log);
          // A job that failed for good as the workers stopped still marks its file before the database closes.
          await uploadFailures.drain();
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
async function closeWorkers(workers: WorkerHandle[], graceMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = Promise.all(workers.map((worker) => worker.close())).then(() => 'closed' as const);
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => { resolve('timeout'); }, graceMs); });
  const outcome = await Promise.race([graceful, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') log.warn({ graceMs }, 'active jobs did not finish in time; they will be handed to another worker');
}
