import type { Config } from '../src/server/config/env.js';
import type { Database } from '../src/server/db/database.js';
import { createLogger, stdoutLogFormat, type Logger } from '../src/server/logger.js';
import type { AppMetrics } from '../src/server/metrics/app-metrics.js';
import { createProcessDeps } from '../src/server/process-deps.js';
import type { JobQueues } from '../src/server/queues/job-queues.js';
import type { EventBus } from '../src/server/realtime/event-bus.js';
import type { Clock } from '../src/server/services/actor.js';
import type { AuditArchiver } from '../src/server/services/audit/audit-archiver.js';
import type { AuditService } from '../src/server/services/audit/audit.service.js';
import type { OrphanCleanupService } from '../src/server/services/files/orphan-cleanup.service.js';
import type { UploadProcessingService } from '../src/server/services/files/upload-processing.service.js';
import type { SessionService } from '../src/server/services/session/session.service.js';
import type { ObjectStore } from '../src/server/storage/object-store.js';
import { startMaintenance, type MaintenanceTiming } from './maintenance.js';
import { startQueueWorkers, type QueueWorkers, type WorkerTuning } from './queue-workers.js';
import { serveWorkerMetrics } from './worker-host.js';
import { createWorkerServices } from './worker-services.js';

// The worker entry points (jobs/main.ts and the tests' worker process) stop the same way as the server.
export { closeOnSignals } from '../src/server/process-lifecycle.js';
export type { QueueWorkers, WorkerTuning } from './queue-workers.js';

export interface WorkerAppOverrides extends MaintenanceTiming {
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

/**
 * The workers' composition root: the process's dependencies (config → database → Redis → storage
 * → services, the same as the web server's in src/server/app.ts) → the services the jobs run →
 * the periodic jobs' schedulers → metrics → one worker per queue. The two processes share only
 * the database, Redis (queues and events) and the object store.
 */
export async function createWorkerApp(config: Config, overrides: WorkerAppOverrides = {}): Promise<WorkerApp> {
  const log = overrides.log ?? createLogger(config.logLevel, stdoutLogFormat(config.env)).child({ part: 'workers' });
  const deps = await createProcessDeps(config, {
    log,
    clock: overrides.clock,
    redisPrefix: overrides.redisPrefix,
    redisUrl: overrides.redisUrl,
    mayStartRedis: false,
    connectionTag: 'worker',
    subscribesToEvents: false,
    storage: overrides.storage,
  });

  try {
    const { auditRows, ...services } = createWorkerServices(deps);
    if (overrides.scheduleMaintenance ?? true) await startMaintenance(deps, auditRows, overrides);
    // Served before the workers start: a port already taken stops start-up with nothing to undo but the shutdown stack.
    const served = await serveWorkerMetrics(deps, overrides.metrics);
    const workers = await startQueueWorkers(deps, services, { metrics: served.metrics, tuning: overrides.workerOptions });
    log.info({ concurrency: config.workerConcurrency, store: deps.storage.kind }, 'workers started');

    const graceMs = overrides.shutdownGraceMs ?? 30_000;
    let closing: Promise<void> | undefined;
    return {
      config,
      log,
      db: deps.db,
      storage: deps.storage,
      queues: deps.queues,
      services: { ...services, sessions: deps.sessions, audit: deps.audit, events: deps.events },
      workers: workers.byQueue,
      httpUrl: served.url,
      close: () => {
        closing ??= workers.stop(graceMs).then(() => deps.shutdown.closeAll());
        return closing;
      },
    };
  } catch (error) {
    await deps.shutdown.closeAll();
    throw error;
  }
}
