import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import { OrphanCleanupService, type CleanupReport } from '../../src/server/services/files/orphan-cleanup.service.js';
import { sessionFileKey, stagingKey } from '../../src/server/storage/keys.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { eventually } from '../support/eventually.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { allKeys, useFilesApp, type FilesApp } from '../support/files-app.js';
import { HookedStore } from '../support/store-wrappers.js';

const HOUR = 3_600_000;
describe.each(DATABASE_AND_STORE_KINDS)('cleanup-orphans on %s with the %s store', (database, store) => {
  const h = useFilesApp({ database, store, workers: false, env: { ORPHAN_GRACE: '1h' } });

  const models = () => h.t.app.db.models;

  /** A session row as the session service leaves it: active, or ended (reset/expired) `endedAgoMs` ago. */
  async function session(status: 'active' | 'reset' | 'expired', endedAgoMs = 0, id: string = randomUUID()): Promise<string> {
    const now = Date.now();
    await models().UserSession.create({
      id,
      tokenHash: randomBytes(32).toString('hex'),
      status,
      createdAt: new Date(now - 2 * 86_400_000),
      lastSeenAt: new Date(now - endedAgoMs),
      expiresAt: new Date(now + 86_400_000),
      endedAt: status === 'active' ? null : new Date(now - endedAgoMs),
      version: 1,
    });
    return id;
  }

  /** `count` stored files of the session: objects and rows. */
  async function files(sessionId: string, count: number): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < count; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, count - i) }, async (_, j) => {
          const fileId = randomUUID();
          const key = sessionFileKey(sessionId, fileId, `f${i + j}.txt`);
          await h.storage.put(key, Readable.from([Buffer.from(`${sessionId} ${i + j}`)]));
          await models().SessionFile.create({ id: fileId, sessionId, objectKey: key, name: `f${i + j}.txt`, contentType: 'text/plain', size: 10, status: 'stored', createdAt: new Date(), updatedAt: new Date() });
          keys.push(key);
        }),
      );
    }
    return keys;
  }

  /** Objects with no row, as a crash or another deployment leaves them. */
  async function bareObjects(keys: string[]): Promise<string[]> {
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => h.storage.put(key, Readable.from([Buffer.from('x')]))));
    return keys;
  }

  /** The store, with `sessionId` made active again (as if its end were undone) as the first delete call begins. */
  function revivingOnFirstDelete(sessionId: string): HookedStore {
    let deletes = 0;
    return new HookedStore(h.storage, async (operation) => {
      if (operation !== 'deleteMany') return;
      deletes += 1;
      if (deletes === 1) await models().UserSession.update({ status: 'active', endedAt: null }, { where: { id: sessionId } });
    });
  }

  async function runJob(): Promise<CleanupReport> {
    const job = await h.t.app.queues.cleanupOrphans.add(QUEUE_NAMES.cleanupOrphans, {});
    await eventually(async () => ['completed', 'failed'].includes(await job.getState()), 120_000, 'the cleanup job finishing');
    const done = await h.t.app.queues.cleanupOrphans.getJob(job.id ?? '');
    if (!done) return expect.unreachable('the cleanup job is gone');
    expect(done.failedReason).toBeUndefined();
    return done.returnvalue;
  }

  it('removes more than 1000 orphaned objects across many sessions in batches, and leaves active sessions untouched', { timeout: 240_000 }, async () => {
    // Live: two active sessions, and one that ended 10 minutes ago (inside the 1 h grace period).
    const active = [await session('active'), await session('active')];
    const recent = await session('reset', 10 * 60_000);
    const liveKeys = [...(await files(active[0] ?? '', 30)), ...(await files(active[1] ?? '', 30)), ...(await files(recent, 10))];
    const liveHeads = await Promise.all(liveKeys.map((key) => h.storage.head(key)));

    // Orphans: 36 sessions ended hours ago with 30 files each (1080), 5 unknown sessions, a stray key.
    const ended: string[] = [];
    const endedKeys: string[] = [];
    for (let i = 0; i < 36; i += 1) {
      const id = await session(i % 2 === 0 ? 'reset' : 'expired', 3 * HOUR);
      ended.push(id);
      endedKeys.push(...(await files(id, 30)));
    }
    const unknownKeys = await bareObjects(
      Array.from({ length: 5 }, () => randomUUID()).flatMap((id) => Array.from({ length: 20 }, () => sessionFileKey(id, randomUUID(), 'lost.bin'))),
    );
    const strayKeys = await bareObjects(['sessions/not-a-session/files/x.bin']);

    // Staging: leftovers with no row, of a failed upload, of an upload stuck for two days; and one live upload.
    const orphanStaging = await bareObjects([stagingKey(randomUUID()), stagingKey(randomUUID())]);
    const failedId = randomUUID();
    const stuckId = randomUUID();
    const liveId = randomUUID();
    const owner = active[0] ?? '';
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await models().SessionFile.bulkCreate([
      { id: failedId, sessionId: owner, objectKey: stagingKey(failedId), name: 'a', contentType: 'x/y', size: 1, status: 'failed', createdAt: new Date(), updatedAt: new Date() },
      { id: stuckId, sessionId: owner, objectKey: stagingKey(stuckId), name: 'b', contentType: 'x/y', size: 1, status: 'uploading', createdAt: twoDaysAgo, updatedAt: twoDaysAgo },
      { id: liveId, sessionId: owner, objectKey: stagingKey(liveId), name: 'c', contentType: 'x/y', size: 1, status: 'uploading', createdAt: new Date(), updatedAt: new Date() },
    ]);
    await bareObjects([stagingKey(failedId), stagingKey(stuckId), stagingKey(liveId)]);

    if (store === 'local') {
      const incomplete = path.join(h.t.database.dataDir, 'objects', '.incomplete');
      mkdirSync(incomplete, { recursive: true });
      writeFileSync(path.join(incomplete, 'abandoned'), 'partial');
      utimesSync(path.join(incomplete, 'abandoned'), twoDaysAgo, twoDaysAgo);
    }

    const workers = await h.startWorkers();
    const report = await runJob();
    await workers.close();

    expect(report).toMatchObject({
      endedSessionObjects: endedKeys.length,
      unknownSessionObjects: unknownKeys.length + strayKeys.length,
      stagingObjects: 4,
      abandonedUploads: 1,
      kept: liveKeys.length + 1,
      failedDeletes: 0,
      incompleteUploadsAborted: store === 'local' ? 1 : null,
    });
    expect(endedKeys.length).toBeGreaterThan(1000);

    // What sessions left behind is gone; everything live is there, untouched.
    const remaining = new Set(await allKeys(h.storage));
    expect([...endedKeys, ...unknownKeys, ...strayKeys, ...orphanStaging, stagingKey(failedId), stagingKey(stuckId)].filter((key) => remaining.has(key))).toEqual([]);
    expect([...remaining].sort()).toEqual([...liveKeys, stagingKey(liveId)].sort());
    expect(await Promise.all(liveKeys.map((key) => h.storage.head(key)))).toEqual(liveHeads);

    // Rows follow the objects: ended sessions' files are deleted, the stuck upload failed, the rest as they were.
    expect(await models().SessionFile.count({ where: { sessionId: ended, status: 'deleted' } })).toBe(endedKeys.length);
    expect(await models().SessionFile.count({ where: { sessionId: [...active, recent], status: 'stored' } })).toBe(liveKeys.length);
    expect((await models().SessionFile.findByPk(stuckId))?.status).toBe('failed');
    expect((await models().SessionFile.findByPk(liveId))?.status).toBe('uploading');

    // Audited: file.deleted per session, one cleanup.completed with the counts.
    const completed = await models().AuditLog.findAll({ where: { event: 'cleanup.completed' } });
    expect(completed).toHaveLength(1);
    expect(completed[0]?.metadata).toMatchObject({ endedSessionObjects: endedKeys.length, unknownSessionObjects: 101, stagingObjects: 4 });
    const deletedRows = await models().AuditLog.findAll({ where: { event: 'file.deleted', sessionId: ended } });
    expect(new Set(deletedRows.map((row) => row.sessionId)).size).toBe(ended.length);
    expect(deletedRows.reduce((sum, row) => sum + Number(row.metadata.objects), 0)).toBe(endedKeys.length);

    // A second run finds nothing more to do.
    const again = await new OrphanCleanupService({ ...servicesFor(h), graceMs: HOUR }).run(SYSTEM_ACTOR);
    expect(again).toMatchObject({ endedSessionObjects: 0, unknownSessionObjects: 0, stagingObjects: 0, kept: liveKeys.length + 1 });
  });

  it('fails uploads that died before a byte was stored (rows a killed server left uploading, injected) and leaves live ones alone', async () => {
    const owner = await session('active');
    const [dead, alive, staged, moved] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const now = new Date();
    await models().SessionFile.bulkCreate(
      [dead, alive, staged, moved].map((id) => ({ id, sessionId: owner, objectKey: stagingKey(id), name: 'x.bin', contentType: 'application/octet-stream', size: 1, status: 'uploading' as const, createdAt: now, updatedAt: now })),
    );
    // Untouched for ten minutes: far past two missed heartbeats (UPLOAD_IDLE_TIMEOUT, 30 s) and the margin.
    // (Written past the model, which stamps updated_at with the time of every update.)
    await h.t.app.db.sequelize.query('UPDATE session_files SET updated_at = :at WHERE id IN (:ids)', {
      replacements: { at: new Date(Date.now() - 10 * 60_000), ids: [dead, staged, moved] },
    });
    // Two of the stale ones did get their bytes in: staged, or already moved by the upload job.
    await bareObjects([stagingKey(staged), sessionFileKey(owner, moved, 'x.bin')]);

    const workers = await h.startWorkers();
    const report = await runJob();
    await workers.close();

    expect(report.abandonedUploads).toBe(1);
    const statuses = Object.fromEntries((await models().SessionFile.findAll({ where: { sessionId: owner } })).map((row) => [row.id, row.status]));
    expect(statuses).toEqual({ [dead]: 'failed', [alive]: 'uploading', [staged]: 'uploading', [moved]: 'uploading' });
    const audit = await h.t.app.services.audit.forSession(owner);
    expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata)).toEqual([{ fileId: dead, reason: 'abandoned' }]);
    await eventually(
      async () => (await h.t.app.services.events.since(owner, null)).some(({ event }) => event.type === 'file.failed' && event.file.fileId === dead),
      10_000,
      'file.failed for the dead upload',
    );
  });

  it('reads each session again at delete time: a session active again by then keeps its objects', async () => {
    const revived = await session('reset', 3 * HOUR);
    const keys = await files(revived, 30);
    // Between the first batch's re-check and its delete, the session becomes active again (as if its end were undone).
    const report = await new OrphanCleanupService({ ...servicesFor(h), storage: revivingOnFirstDelete(revived), graceMs: HOUR, batchSize: 10 }).run(SYSTEM_ACTOR);
    const remaining = await allKeys(h.storage, `sessions/${revived}/`);
    expect(report.endedSessionObjects).toBe(10);
    expect(remaining).toHaveLength(20);
    expect(keys.filter((key) => remaining.includes(key))).toHaveLength(20);
  });

  it('reads the states again after the database pass has named the files: a session active again by then keeps its files and rows', async () => {
    // Session order is the pass's order: `first` is deleted first, `revived` after it.
    const [first, revived] = [randomUUID(), randomUUID()].sort();
    await session('reset', 3 * HOUR, first);
    await session('expired', 3 * HOUR, revived);
    const firstKeys = await files(first ?? '', 10);
    const revivedKeys = await files(revived ?? '', 10);
    // Both sessions' rows are read in one page; while the first batch is deleted, the second session becomes active again.
    const report = await new OrphanCleanupService({ ...servicesFor(h), storage: revivingOnFirstDelete(revived ?? ''), graceMs: HOUR, batchSize: 10 }).run(SYSTEM_ACTOR);

    // (The app is shared by this block's tests: what earlier ones kept is listed and kept again, and counted.)
    expect(report).toMatchObject({ endedSessionObjects: 10, unknownSessionObjects: 0, failedDeletes: 0 });
    expect(await allKeys(h.storage, `sessions/${first}/`)).toEqual([]);
    expect((await allKeys(h.storage, `sessions/${revived}/`)).sort()).toEqual([...revivedKeys].sort());
    expect(firstKeys).toHaveLength(10);
    const statuses = await models().SessionFile.findAll({ attributes: ['sessionId', 'status'], where: { sessionId: [first ?? '', revived ?? ''] } });
    expect(statuses.filter((row) => row.sessionId === first).every((row) => row.status === 'deleted')).toBe(true);
    expect(statuses.filter((row) => row.sessionId === revived).every((row) => row.status === 'stored')).toBe(true);
  });

  it('deletes what no row names after the database pass: bare objects of an ended session, unknown sessions and stray keys', async () => {
    const ended = await session('expired', 3 * HOUR);
    const live = await session('active');
    const rowKeys = await files(ended, 3);
    const liveKeys = await files(live, 2);
    const bareOfEnded = await bareObjects([sessionFileKey(ended, randomUUID(), 'no-row.bin'), sessionFileKey(ended, randomUUID(), 'no-row-either.bin')]);
    const unknown = await bareObjects(Array.from({ length: 3 }, () => sessionFileKey(randomUUID(), randomUUID(), 'lost.bin')));
    const strays = await bareObjects(['sessions/not-a-session/x.bin', `sessions/${live}.bak`]);

    const report = await new OrphanCleanupService({ ...servicesFor(h), graceMs: HOUR }).run(SYSTEM_ACTOR);

    expect(report).toMatchObject({ endedSessionObjects: rowKeys.length + bareOfEnded.length, unknownSessionObjects: unknown.length + strays.length });
    const remaining = new Set(await allKeys(h.storage, 'sessions/'));
    expect([...rowKeys, ...bareOfEnded, ...unknown, ...strays].filter((key) => remaining.has(key))).toEqual([]);
    expect((await allKeys(h.storage, `sessions/${live}/`)).sort()).toEqual([...liveKeys].sort());
    expect(await models().SessionFile.count({ where: { sessionId: ended, status: 'deleted' } })).toBe(rowKeys.length);
    const audited = await models().AuditLog.findAll({ where: { event: 'file.deleted', sessionId: ended } });
    expect(audited.reduce((sum, row) => sum + Number(row.metadata.objects), 0)).toBe(rowKeys.length + bareOfEnded.length);
  });
});

function servicesFor(h: FilesApp) {
  const { db } = h.t.app;
  return {
    db,
    storage: h.storage,
    audit: h.t.app.services.audit,
    events: h.t.app.services.events,
    clock: () => new Date(),
  };
}
