import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import {
  cleanupOrphansJobSchema,
  expireSessionsJobSchema,
  QUEUE_NAMES,
  uploadJobSchema,
  type CleanupOrphansJob,
  type ExpireSessionsJob,
  type ExpireSessionsResult,
  type QueueName,
  type UploadJob,
  type UploadJobResult,
} from '../../shared/jobs.js';
import type { UploadJobQueue } from '../services/files/files.service.js';
import type { CleanupReport } from '../services/files/orphan-cleanup.service.js';
import { QueueUnavailableError, UPLOADS_PAUSED_MESSAGE } from './queue-unavailable.error.js';

export interface JobQueuesOptions {
  /**
   * A connection of the queues' own; BullMQ never closes a connection it was handed. Opened with no
   * offline queue and few retries, so that an enqueue fails at once while Redis is down.
   */
  connection: Redis;
  /** Prefix of BullMQ's Redis keys: producers and workers of one deployment share it. */
  prefix: string;
  /** First retry delay; each next one doubles. */
  backoffMs?: number;
  attempts?: number;
  /** Where a queue's connection errors go (BullMQ prints them to stderr when nobody listens). */
  log: Logger;
}

/** Finished jobs are kept a while for the dashboard, then dropped: Redis never fills up with them. */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 1000 };
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 5000 };

/** The ids of the schedulers that start the periodic jobs; upserting them again changes nothing. */
export const SCHEDULER_IDS = { cleanupOrphans: 'cleanup-orphans-every', expireSessions: 'expire-sessions-every' } as const;

export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}

/**
 * The producer side of the background jobs: the three queues, with retries (exponential backoff)
 * and bounded retention on every job. Payloads are parsed with the shared schemas before they are
 * queued, as the workers parse them again before they run.
 */
export class JobQueues implements UploadJobQueue {
  readonly upload: Queue<UploadJob, UploadJobResult>;
  readonly cleanupOrphans: Queue<CleanupOrphansJob, CleanupReport>;
  readonly expireSessions: Queue<ExpireSessionsJob, ExpireSessionsResult>;

  constructor(opts: JobQueuesOptions) {
    const defaultJobOptions: DefaultJobOptions = {
      attempts: opts.attempts ?? 5,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
    const options = { connection: opts.connection, prefix: bullPrefix(opts.prefix), defaultJobOptions };
    this.upload = new Queue<UploadJob, UploadJobResult>(QUEUE_NAMES.upload, options);
    this.cleanupOrphans = new Queue<CleanupOrphansJob, CleanupReport>(QUEUE_NAMES.cleanupOrphans, options);
    this.expireSessions = new Queue<ExpireSessionsJob, ExpireSessionsResult>(QUEUE_NAMES.expireSessions, options);
    for (const queue of [this.upload, this.cleanupOrphans, this.expireSessions]) {
      queue.on('error', (error) => { opts.log.warn({ err: error, queue: queue.name }, 'queue error'); });
    }
  }

  /**
   * Queues the processing of a staged upload. The file id is the job id: queuing it twice runs it
   * once. Redis not answering is QueueUnavailableError, which the API answers with 503.
   */
  async enqueueUpload(job: UploadJob): Promise<void> {
    const data = uploadJobSchema.parse(job);
    try {
      await this.upload.add(QUEUE_NAMES.upload, data, { jobId: data.fileId });
    } catch (error) {
      throw new QueueUnavailableError(UPLOADS_PAUSED_MESSAGE, { cause: error });
    }
  }

  /** Starts (or updates) the periodic jobs. Every worker may call it: a scheduler exists once per id. */
  async scheduleMaintenance(every: { cleanupOrphansMs: number; expireSessionsMs: number }): Promise<void> {
    await this.cleanupOrphans.upsertJobScheduler(
      SCHEDULER_IDS.cleanupOrphans,
      { every: every.cleanupOrphansMs },
      { name: QUEUE_NAMES.cleanupOrphans, data: cleanupOrphansJobSchema.parse({}), opts: { attempts: 3, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } },
    );
    await this.expireSessions.upsertJobScheduler(
      SCHEDULER_IDS.expireSessions,
      { every: every.expireSessionsMs },
      { name: QUEUE_NAMES.expireSessions, data: expireSessionsJobSchema.parse({}), opts: { attempts: 3, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } },
    );
  }

  /** Jobs waiting, running, delayed and failed per queue: for /metrics and the tests. */
  async depth(): Promise<Record<QueueName, Record<string, number>>> {
    const [upload, cleanup, expire] = await Promise.all(
      [this.upload, this.cleanupOrphans, this.expireSessions].map((queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')),
    );
    return { [QUEUE_NAMES.upload]: upload ?? {}, [QUEUE_NAMES.cleanupOrphans]: cleanup ?? {}, [QUEUE_NAMES.expireSessions]: expire ?? {} };
  }

  async close(): Promise<void> {
    await Promise.all([this.upload.close(), this.cleanupOrphans.close(), this.expireSessions.close()]);
  }
}
