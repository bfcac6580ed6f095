import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, SCHEDULER_IDS } from '../../src/server/queues/job-queues.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { eventually, newBrowser, startFilesHarness, type FilesHarness } from '../files/harness.js';

/**
 * Redis losing its data, as a restart without persistence does: every BullMQ key of this test's
 * prefix deleted at once (never a FLUSHALL: other test files share this Redis).
 */
async function loseQueueData(redis: Redis, redisPrefix: string): Promise<number> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${bullPrefix(redisPrefix)}:*`, count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
  const repeatKeys = ['cleanup-orphans', 'expire-sessions', 'archive-audit'].map((queue) => `${bullPrefix(redisPrefix)}:${queue}:repeat`);
  // In one transaction: what is left right after the delete is read before any worker can write again.
  const result = await redis.multi().del(...keys).exists(...repeatKeys).exec();
  return Number(result?.[1]?.[1]);
}

describe.each(DATABASE_KINDS)('job schedulers lost with Redis data on %s', (database) => {
  let h: FilesHarness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startFilesHarness({
      database,
      store: 'local',
      env: { CLEANUP_EVERY: '1h' },
      workerOverrides: { scheduleMaintenance: true, expireEveryMs: 300, schedulerCheckEveryMs: 200 },
    });
    redis = new Redis(h.t.app.redisUrl);
  });
  afterAll(async () => {
    redis.disconnect();
    await h.t.app.queues.archiveAudit.obliterate({ force: true });
    await h.close();
  });

  it('come back while the same workers run, and the periodic jobs run again', async () => {
    const { queues } = h.t.app;
    const schedulerIds = async () => (await Promise.all([queues.cleanupOrphans, queues.expireSessions, queues.archiveAudit].map((queue) => queue.getJobSchedulers())))
      .flat()
      .map((scheduler) => scheduler.key)
      .sort();
    const all = Object.values(SCHEDULER_IDS).sort();
    expect(await schedulerIds()).toEqual(all);
    // Present ones are left alone: restoring is not upserting (which would replace their next jobs).
    expect(await queues.restoreMaintenance({ cleanupOrphansMs: 3_600_000, expireSessionsMs: 300, archiveAuditMs: 3_600_000 })).toEqual([]);

    expect(await loseQueueData(redis, h.redisPrefix)).toBe(0);
    await eventually(async () => (await schedulerIds()).length === all.length, 10_000, 'the schedulers being restored');
    expect(await schedulerIds()).toEqual(all);

    const idle = await newBrowser(h.url);
    await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: idle.sessionId } });
    await eventually(async () => (await h.t.app.db.models.UserSession.findByPk(idle.sessionId))?.status === 'expired', 10_000, 'the restored expiry job expiring an idle session');
  });
});
