import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bullPrefix, SCHEDULER_IDS } from '../../src/server/queues/job-queues.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { useFilesApp } from '../support/files-app.js';

/**
 * Redis losing its data, as a restart without persistence does: every BullMQ key of this test's
 * prefix deleted at once (never a FLUSHALL: other test files share this Redis).
 */
async function loseQueueData(redis: Redis, redisPrefix: string): Promise<number> {
  const keys: string[] = [];
  const queues = [QUEUE_NAMES.cleanupOrphans, QUEUE_NAMES.expireSessions, QUEUE_NAMES.archiveAudit, QUEUE_NAMES.upload];
  for (const queue of queues) {
    // The prefix is a hash tag: braces are glob syntax to SCAN's MATCH, so they are escaped.
    const pattern = `${bullPrefix(redisPrefix, queue).replace(/[{}[\]*?]/g, '\\$&')}:*`;
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
  }
  const repeatKeys = queues.slice(0, 3).map((queue) => `${bullPrefix(redisPrefix, queue)}:${queue}:repeat`);
  // In one transaction: what is left right after the delete is read before any worker can write again.
  const result = await redis.multi().del(...keys).exists(...repeatKeys).exec();
  return Number(result?.[1]?.[1]);
}

/** Deletes a delayed job from its queue and its data, in one step: nothing if it is no longer delayed. */
const DELETE_IF_DELAYED = `if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('DEL', KEYS[2]) return 1 end return 0`;

/**
 * Loses a scheduler's delayed next job and nothing else, as a partial loss of Redis keys does
 * (BullMQ's own remove, clean and drain refuse a scheduler's current job), and returns when it was
 * due. Once a worker has taken the job, the scheduler has its next one: that is tried instead.
 */
async function loseNextJob(redis: Redis, redisPrefix: string, queue: Queue, schedulerId: string): Promise<number> {
  let lost: number | undefined;
  await eventually(async () => {
    const next = (await queue.getJobScheduler(schedulerId))?.next;
    if (typeof next !== 'number') return false;
    const jobId = `repeat:${schedulerId}:${next}`;
    if (await redis.eval(DELETE_IF_DELAYED, 2, queue.toKey('delayed'), queue.toKey(jobId), jobId) !== 1) return false;
    lost = next;
    return true;
  }, 10_000, `the delayed job of ${schedulerId} being lost`);
  if (lost === undefined) throw new Error('unreachable: eventually returned without a loss');
  return lost;
}

describe.each(DATABASE_KINDS)('job schedulers lost with Redis data on %s', (database) => {
  const h = useFilesApp({
    database,
    store: 'local',
    env: { CLEANUP_EVERY: '1h' },
    workerOverrides: { scheduleMaintenance: true, expireEveryMs: 300, schedulerCheckEveryMs: 200 },
  });
  let redis: Redis;
  beforeAll(() => { redis = new Redis(inject('redisUrl')); });
  afterAll(() => { redis.disconnect(); });

  it('come back while the same workers run, and the periodic jobs run again', async () => {
    const { queues } = h.t.app;
    const schedulerIds = async () => (await Promise.all([queues.cleanupOrphans, queues.expireSessions, queues.archiveAudit].map((queue) => queue.getJobSchedulers())))
      .flat()
      .map((scheduler) => scheduler.key)
      .sort();
    const all = Object.values(SCHEDULER_IDS).sort();
    expect(await schedulerIds()).toEqual(all);
    // Present ones are left alone: restoring is not upserting (which would replace their next jobs).
    expect(await queues.restoreMaintenance({ cleanupOrphansMs: 3_600_000, expireSessionsMs: 300, archiveAuditMs: 3_600_000 })).toEqual({ missing: [], stalled: [] });

    expect(await loseQueueData(redis, h.redisPrefix)).toBe(0);
    await eventually(async () => (await schedulerIds()).length === all.length, 10_000, 'the schedulers being restored');
    expect(await schedulerIds()).toEqual(all);

    const idle = await newBrowser(h.url);
    await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: idle.sessionId } });
    await eventually(async () => (await h.t.app.db.models.UserSession.findByPk(idle.sessionId))?.status === 'expired', 10_000, 'the restored expiry job expiring an idle session');
  });

  it('get their next job again when only that job is lost: the scheduler stays, and BullMQ makes no new job by itself', async () => {
    const queue = h.t.app.queues.expireSessions;
    const lostNext = await loseNextJob(redis, h.redisPrefix, queue, SCHEDULER_IDS.expireSessions);
    // The scheduler is intact and points at the lost job; nothing else would ever run.
    expect((await queue.getJobScheduler(SCHEDULER_IDS.expireSessions))?.next).toBe(lostNext);
    expect(await queue.getJobCountByTypes('delayed', 'waiting', 'prioritized')).toBe(0);

    await eventually(async () => ((await queue.getJobScheduler(SCHEDULER_IDS.expireSessions))?.next ?? 0) > lostNext, 10_000, 'the scheduler getting a next job again');
    const idle = await newBrowser(h.url);
    await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: idle.sessionId } });
    await eventually(async () => (await h.t.app.db.models.UserSession.findByPk(idle.sessionId))?.status === 'expired', 10_000, 'the repaired expiry job expiring an idle session');
    expect((await queue.getJobSchedulers()).map((scheduler) => scheduler.key)).toEqual([SCHEDULER_IDS.expireSessions]);
  });
});
