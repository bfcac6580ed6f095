import { Queue, type DefaultJobOptions } from 'bullmq';
import type { RedisClient } from '../redis/redis-client.js';
import type { Logger } from '../logger.js';
import {
  archiveAuditJobSchema,
  cleanupOrphansJobSchema,
  expireSessionsJobSchema,
  QUEUE_NAMES,
  uploadJobSchema,
  type ArchiveAuditJob,
  type CleanupOrphansJob,
  type ExpireSessionsJob,
  type ExpireSessionsResult,
  type QueueName,
  type UploadJob,
  type UploadJobResult,
} from '../../shared/jobs.js';
import type { ArchiveReport } from '../services/audit/audit-archiver.js';
import type { UploadJobQueue } from '../services/files/files.service.js';
import type { CleanupReport } from '../services/files/orphan-cleanup.service.js';
import { QueueUnavailableError, UPLOADS_PAUSED_MESSAGE } from './queue-unavailable.error.js';

export interface JobQueuesOptions {
  /**
   * A connection of the queues' own; BullMQ never closes a connection it was handed. Opened with no
   * offline queue and few retries, so that an enqueue fails at once while Redis is down.
   */
  connection: RedisClient;
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

/**
 * The ids of the schedulers that start the periodic jobs. Upserting one that exists keeps one
 * scheduler and its timing (with the same interval), but deletes its pending next job and adds it
 * again, or adds one where it was lost (BullMQ 6's addJobScheduler script).
 */
export const SCHEDULER_IDS = { cleanupOrphans: 'cleanup-orphans-every', expireSessions: 'expire-sessions-every', archiveAudit: 'archive-audit-every' } as const;

/** How often each periodic job runs. */
export interface MaintenanceEvery {
  cleanupOrphansMs: number;
  expireSessionsMs: number;
  archiveAuditMs: number;
}

/** What restoreMaintenance wrote again, by why. */
export interface RestoredSchedulers {
  /** Schedulers gone from Redis (it lost its data). */
  missing: string[];
  /**
   * Schedulers still there whose next job was lost: Redis lost some keys but not all, or the worker
   * that took the previous run could not write the next (BullMQ then only emits an error).
   */
  stalled: string[];
}

/**
 * How late a scheduler's next run may be before its job counts as lost. A worker that takes a due
 * job moves `next` an interval on and writes the next job at once (BullMQ writes it then and only
 * then: nothing writes a lost one again), so `next` stays late only while an earlier run holds the
 * queue's worker, or once the job is gone. An interval of lateness is let pass, and up to a minute
 * more for clocks that differ between machines (`next` is stamped with its writer's clock); a job
 * still waiting past that is only written again, for the same time.
 */
function overdueAfterMs(everyMs: number): number {
  return everyMs + Math.min(everyMs, 60_000);
}

/** Retried a few times, kept like every other job; a missed run is made up by the next one anyway. */
const PERIODIC_JOB_OPTS = { attempts: 3, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED };

/** One periodic job: its scheduler's id, the queue it lives on, and how to (re)create it. */
interface Scheduled {
  id: string;
  queue: Queue;
  everyMs: number;
  upsert(): Promise<unknown>;
}

/**
 * BullMQ's key prefix for one queue. A queue's scripts touch many of its keys at once, so on a
 * cluster they must share a slot: the prefix is a hash tag, one per queue, so that the queues
 * spread over the masters. Producers and workers must agree on it.
 */
export function bullPrefix(redisPrefix: string, queue: QueueName): string {
  return `{${redisPrefix}:bull:${queue}}`;
}

/**
 * The producer side of the background jobs: the four queues, with retries (exponential backoff)
 * and bounded retention on every job. Payloads are parsed with the shared schemas before they are
 * queued, as the workers parse them again before they run.
 */
export class JobQueues implements UploadJobQueue {
  readonly upload: Queue<UploadJob, UploadJobResult>;
  readonly cleanupOrphans: Queue<CleanupOrphansJob, CleanupReport>;
  readonly expireSessions: Queue<ExpireSessionsJob, ExpireSessionsResult>;
  readonly archiveAudit: Queue<ArchiveAuditJob, ArchiveReport>;
  /** Every queue: what the dashboard, the admin overview and the queue-depth metric show. */
  readonly all: readonly Queue[];

  constructor(opts: JobQueuesOptions) {
    const defaultJobOptions: DefaultJobOptions = {
      attempts: opts.attempts ?? 5,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
    const options = (queue: QueueName) => ({ connection: opts.connection, prefix: bullPrefix(opts.prefix, queue), defaultJobOptions });
    this.upload = new Queue<UploadJob, UploadJobResult>(QUEUE_NAMES.upload, options(QUEUE_NAMES.upload));
    this.cleanupOrphans = new Queue<CleanupOrphansJob, CleanupReport>(QUEUE_NAMES.cleanupOrphans, options(QUEUE_NAMES.cleanupOrphans));
    this.expireSessions = new Queue<ExpireSessionsJob, ExpireSessionsResult>(QUEUE_NAMES.expireSessions, options(QUEUE_NAMES.expireSessions));
    this.archiveAudit = new Queue<ArchiveAuditJob, ArchiveReport>(QUEUE_NAMES.archiveAudit, options(QUEUE_NAMES.archiveAudit));
    this.all = [this.upload, this.cleanupOrphans, this.expireSessions, this.archiveAudit];
    for (const queue of this.all) {
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
  async scheduleMaintenance(every: MaintenanceEvery): Promise<void> {
    for (const scheduled of this.scheduled(every)) await scheduled.upsert();
  }

  /**
   * Upserts the schedulers that are missing, or whose next run is long overdue (their next job was
   * lost), and leaves healthy ones alone: upserting rewrites their next job (SCHEDULER_IDS), not
   * worth doing once a minute.
   */
  async restoreMaintenance(every: MaintenanceEvery): Promise<RestoredSchedulers> {
    const restored: RestoredSchedulers = { missing: [], stalled: [] };
    for (const scheduled of this.scheduled(every)) {
      const scheduler = await scheduled.queue.getJobScheduler(scheduled.id);
      // Settings that outlived their place in the schedule come back with `next` null (typed as a number).
      const next: number | null | undefined = scheduler?.next;
      if (typeof next !== 'number') {
        restored.missing.push(scheduled.id);
      } else if (Date.now() - next > overdueAfterMs(scheduler?.every ?? scheduled.everyMs)) {
        // Date.now(), not an app's clock: BullMQ stamps `next` with the real time.
        restored.stalled.push(scheduled.id);
      } else {
        continue;
      }
      await scheduled.upsert();
    }
    return restored;
  }

  private scheduled(every: MaintenanceEvery): Scheduled[] {
    // The name type spelled out: left to inference it stays a deferred conditional type of D.
    const each = <D, R>(queue: Queue<D, R, string, D, R, string>, id: string, ms: number, data: D): Scheduled => ({
      id,
      queue,
      everyMs: ms,
      upsert: () => queue.upsertJobScheduler(id, { every: ms }, { name: queue.name, data, opts: PERIODIC_JOB_OPTS }),
    });
    return [
      each(this.cleanupOrphans, SCHEDULER_IDS.cleanupOrphans, every.cleanupOrphansMs, cleanupOrphansJobSchema.parse({})),
      each(this.expireSessions, SCHEDULER_IDS.expireSessions, every.expireSessionsMs, expireSessionsJobSchema.parse({})),
      each(this.archiveAudit, SCHEDULER_IDS.archiveAudit, every.archiveAuditMs, archiveAuditJobSchema.parse({})),
    ];
  }

  /** Jobs waiting, running, delayed and failed per queue: for /metrics and the tests. */
  async depth(): Promise<Record<QueueName, Record<string, number>>> {
    const [upload, cleanup, expire, archive] = await Promise.all(this.all.map((queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')));
    return {
      [QUEUE_NAMES.upload]: upload ?? {},
      [QUEUE_NAMES.cleanupOrphans]: cleanup ?? {},
      [QUEUE_NAMES.expireSessions]: expire ?? {},
      [QUEUE_NAMES.archiveAudit]: archive ?? {},
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((queue) => queue.close()));
  }
}
