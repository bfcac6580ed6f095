import { describe, expect, it } from 'vitest';
import { SCHEDULER_IDS } from '../../src/server/queues/job-queues.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { eventsOnce, useFilesApp } from '../support/files-app.js';

describe.each(DATABASE_KINDS)('expire-sessions and the job schedulers on %s', (database) => {
  // Workers upsert the schedulers at start: cleanup every hour here, expiry every 300 ms.
  const h = useFilesApp({ database, store: 'local', env: { CLEANUP_EVERY: '1h' }, workerOverrides: { scheduleMaintenance: true, expireEveryMs: 300 } });

  it('registers one scheduler per periodic job, and upserting again keeps one', async () => {
    await h.t.app.queues.scheduleMaintenance({ cleanupOrphansMs: 3_600_000, expireSessionsMs: 300, archiveAuditMs: 3_600_000 });
    const cleanup = await h.t.app.queues.cleanupOrphans.getJobSchedulers();
    const expire = await h.t.app.queues.expireSessions.getJobSchedulers();
    const archive = await h.t.app.queues.archiveAudit.getJobSchedulers();
    expect(cleanup.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([[SCHEDULER_IDS.cleanupOrphans, 3_600_000]]);
    expect(expire.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([[SCHEDULER_IDS.expireSessions, 300]]);
    expect(archive.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([[SCHEDULER_IDS.archiveAudit, 3_600_000]]);
  });

  it('expires an idle session on schedule, tells its tabs and audits it, and leaves live ones alone', async () => {
    const idle = await newBrowser(h.url);
    const live = await newBrowser(h.url);
    await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: idle.sessionId } });

    const status = async (id: string) => (await h.t.app.db.models.UserSession.findByPk(id))?.status;
    await eventually(async () => (await status(idle.sessionId)) === 'expired', 10_000, 'the idle session expiring');
    expect(await status(live.sessionId)).toBe('active');

    await eventsOnce(h, idle.sessionId, (events) => events.some((event) => event.type === 'session.expired'));
    const audit = (await h.t.app.services.audit.forSession(idle.sessionId)).filter((entry) => entry.event === 'session.expired');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.userAgent).toBe('tabsync-worker');
  });
});
