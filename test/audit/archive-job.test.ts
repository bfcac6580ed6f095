import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULER_IDS } from '../../src/server/queues/job-queues.js';
import { AuditArchiveStore } from '../../src/server/services/audit/audit-archive-store.js';
import { AuditStore } from '../../src/server/services/audit/audit-store.js';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { eventually, newBrowser, startFilesHarness, type FilesHarness } from '../files/harness.js';

describe('the archive-audit job scheduler', () => {
  let h: FilesHarness;
  beforeAll(async () => {
    // Retention of 1 ms: every row is past it by the time the job runs, every 300 ms here.
    h = await startFilesHarness({
      database: 'sqlite',
      store: 'local',
      env: { AUDIT_RETENTION: '1ms', CLEANUP_EVERY: '1h' },
      workerOverrides: { scheduleMaintenance: true, archiveAuditEveryMs: 300 },
    });
  });
  afterAll(async () => { await h.close(); });

  it('is registered by the workers and moves the rows of real requests to the object store', async () => {
    const schedulers = await h.workers?.queues.archiveAudit.getJobSchedulers();
    expect(schedulers?.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([[SCHEDULER_IDS.archiveAudit, 300]]);

    for (let i = 0; i < 3; i += 1) await newBrowser(h.url);
    const rows = new AuditStore(h.t.app.db);
    const archives = new AuditArchiveStore(h.storage);
    await eventually(async () => (await rows.page(0, 10)).length === 0 && (await rows.head()).lastId >= 3, 15_000, 'the audit rows being archived');

    expect((await archives.list()).archives.length).toBeGreaterThan(0);
    expect(await verifyAuditChain(auditChainParts(h.t.app.db, h.storage))).toMatchObject({ ok: true, rows: (await rows.head()).lastId });
  });
});
