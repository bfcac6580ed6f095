import { describe, expect, it } from 'vitest';
import { SCHEDULER_IDS } from '../../src/server/queues/job-queues.js';
import { AuditArchiveStore } from '../../src/server/services/audit/audit-archive-store.js';
import { AuditCheckpoints, checkpointKeyFrom } from '../../src/server/services/audit/audit-checkpoint.js';
import { AuditStore } from '../../src/server/services/audit/audit-store.js';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { useFilesApp } from '../support/files-app.js';

const CHECKPOINT_KEY = 'archive-job-test-checkpoint-key-0123456789';

describe('the archive-audit job scheduler and the audit checkpoint', () => {
  // Retention of 1 ms: every row is past it by the time the job runs, every 300 ms here; a checkpoint every 300 ms too.
  const h = useFilesApp({
    database: 'sqlite',
    store: 'local',
    env: { AUDIT_RETENTION: '1ms', CLEANUP_EVERY: '1h', AUDIT_CHECKPOINT_KEY: CHECKPOINT_KEY },
    workerOverrides: { scheduleMaintenance: true, archiveAuditEveryMs: 300, auditCheckpointEveryMs: 300 },
  });

  it('is registered by the workers and moves the rows of real requests to the object store', async () => {
    const schedulers = await h.workers?.queues.archiveAudit.getJobSchedulers();
    expect(schedulers?.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([[SCHEDULER_IDS.archiveAudit, 300]]);

    for (let i = 0; i < 3; i += 1) await newBrowser(h.url);
    const rows = new AuditStore(h.t.app.db);
    await eventually(async () => (await rows.page(0, 10)).length === 0 && (await rows.head()).lastId >= 3, 15_000, 'the audit rows being archived');

    expect((await new AuditArchiveStore(h.storage).list()).archives.length).toBeGreaterThan(0);
    const parts = auditChainParts(h.t.app.db, h.storage, checkpointKeyFrom({ auditCheckpointKey: CHECKPOINT_KEY }));
    expect(await verifyAuditChain(parts)).toMatchObject({ ok: true, rows: (await rows.head()).lastId });
  });

  it('has the workers write the chain head as a checkpoint signed with AUDIT_CHECKPOINT_KEY, and keep it current', async () => {
    const checkpoints = new AuditCheckpoints(h.storage, checkpointKeyFrom({ auditCheckpointKey: CHECKPOINT_KEY }));
    const rows = new AuditStore(h.t.app.db);
    await newBrowser(h.url);
    const head = await rows.head();
    await eventually(async () => {
      const read = await checkpoints.read();
      return read !== null && 'checkpoint' in read && read.checkpoint.head.id >= head.lastId;
    }, 15_000, 'a checkpoint at the chain head');

    const read = await checkpoints.read();
    expect(read).toMatchObject({ checkpoint: { signature: { key: 'AUDIT_CHECKPOINT_KEY' } } });
    const result = await verifyAuditChain(auditChainParts(h.t.app.db, h.storage, checkpointKeyFrom({ auditCheckpointKey: CHECKPOINT_KEY })));
    expect(result).toMatchObject({ ok: true, checkpoint: { signature: { key: 'AUDIT_CHECKPOINT_KEY' } } });
    // A verifier with another key takes it for a forgery.
    const otherKey = checkpointKeyFrom({ auditCheckpointKey: 'another-key-that-is-long-enough-0123456789' });
    expect(await verifyAuditChain(auditChainParts(h.t.app.db, h.storage, otherKey))).toMatchObject({ ok: false, broken: { message: expect.stringMatching(/signature of audit\/checkpoint\.json does not match/) as string } });
  });
});
