import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Logger } from '../src/server/logger.js';
import type { AppMetrics } from '../src/server/metrics/app-metrics.js';
import { watchJobs } from '../src/server/metrics/job-metrics.js';
import type { ProcessDeps } from '../src/server/process-deps.js';
import { bullPrefix, KEEP_COMPLETED, KEEP_FAILED } from '../src/server/queues/job-queues.js';
import type { ArchiveReport } from '../src/server/services/audit/audit-archiver.js';
import type { CleanupReport } from '../src/server/services/files/orphan-cleanup.service.js';
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
import { createArchiveAuditProcessor } from './processors/archive-audit.processor.js';
import { createCleanupOrphansProcessor } from './processors/cleanup-orphans.processor.js';
import { createExpireSessionsProcessor } from './processors/expire-sessions.processor.js';
import { createUploadFailureHandler } from './processors/upload-failures.js';
import { createUploadProcessor } from './processors/upload.processor.js';
import type { WorkerServices } from './worker-services.js';

/** Tuning a test (or an operator embedding the workers) may change. */
export type WorkerTuning = Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'drainDelay'>;

/** One worker per queue, typed with the payload it takes and the result it returns. */
export interface QueueWorkers {
  [QUEUE_NAMES.upload]: Worker<UploadJob, UploadJobResult>;
  [QUEUE_NAMES.cleanupOrphans]: Worker<CleanupOrphansJob, CleanupReport>;
  [QUEUE_NAMES.expireSessions]: Worker<ExpireSessionsJob, ExpireSessionsResult>;
  [QUEUE_NAMES.archiveAudit]: Worker<ArchiveAuditJob, ArchiveReport>;
}

export interface RunningWorkers {
  byQueue: QueueWorkers;
  /**
   * Stops taking jobs and lets the active ones finish, or hands them back after `graceMs`; then
   * waits for the uploads given up on meanwhile to be marked failed.
   */
  stop(graceMs: number): Promise<void>;
}

/** What starting and stopping needs of a worker, whatever it processes. */
type WorkerHandle = Pick<Worker, 'waitUntilReady' | 'close'>;

/** Starts one BullMQ worker per queue, each running its processor, and resolves once all are ready. */
export async function startQueueWorkers(
  deps: ProcessDeps,
  services: Pick<WorkerServices, 'uploadProcessing' | 'cleanup' | 'archiver'>,
  options: { metrics: AppMetrics | undefined; tuning?: WorkerTuning },
): Promise<RunningWorkers> {
  const { config, events, sessions, redisPrefix, log } = deps;
  // BullMQ's workers block on Redis: their connection retries for ever instead of failing a command.
  const connection = await deps.connectRedis('bullmq', { maxRetriesPerRequest: null });
  const common: WorkerOptions = { connection, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED, ...options.tuning };
  const start = <D, R>(queue: QueueName, processor: Processor<D, R>, concurrency: number) => {
    const worker = new Worker<D, R>(queue, processor, { ...common, prefix: bullPrefix(redisPrefix, queue), concurrency });
    if (options.metrics) watchJobs(options.metrics, worker);
    worker.on('failed', (job, error) => {
      log.warn({ err: error, queue, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job failed');
    });
    worker.on('error', (error) => { log.error({ err: error, queue }, 'worker error'); });
    return worker;
  };
  const uploadFailures = createUploadFailureHandler(services.uploadProcessing, events, log);
  const byQueue: QueueWorkers = {
    [QUEUE_NAMES.upload]: start(QUEUE_NAMES.upload, createUploadProcessor(services.uploadProcessing, events), config.workerConcurrency),
    [QUEUE_NAMES.cleanupOrphans]: start(QUEUE_NAMES.cleanupOrphans, createCleanupOrphansProcessor(services.cleanup), 1),
    [QUEUE_NAMES.expireSessions]: start(QUEUE_NAMES.expireSessions, createExpireSessionsProcessor(sessions), 1),
    [QUEUE_NAMES.archiveAudit]: start(QUEUE_NAMES.archiveAudit, createArchiveAuditProcessor(services.archiver), 1),
  };
  byQueue[QUEUE_NAMES.upload].on('failed', uploadFailures.onFailed);
  const all: WorkerHandle[] = [
    byQueue[QUEUE_NAMES.upload],
    byQueue[QUEUE_NAMES.cleanupOrphans],
    byQueue[QUEUE_NAMES.expireSessions],
    byQueue[QUEUE_NAMES.archiveAudit],
  ];
  await Promise.all(all.map((worker) => worker.waitUntilReady()));
  return {
    byQueue,
    stop: async (graceMs) => {
      await closeWorkers(all, graceMs, log);
      // A job that failed for good as the workers stopped still marks its file before the database closes.
      await uploadFailures.drain();
    },
  };
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
