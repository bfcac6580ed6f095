import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import { sessionFileKey, stagingKey } from '../../src/server/storage/keys.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { newBrowser, type Browser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { allKeys, settledFile, startFilesApp, useFilesApp, type FilesApp } from '../support/files-app.js';
import { failingFirst } from '../support/store-wrappers.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

describe.each(DATABASE_AND_STORE_KINDS)('the upload job on %s with the %s store', (database, store) => {
  // No workers yet: each test starts the ones it needs.
  const h = useFilesApp({ database, store, workers: false });

  async function auditCount(sessionId: string, event: string, harness: FilesApp = h): Promise<number> {
    return (await harness.t.app.services.audit.forSession(sessionId)).filter((entry) => entry.event === event).length;
  }

  async function storedEvents(sessionId: string, harness: FilesApp = h): Promise<string[]> {
    const entries = await harness.t.app.services.events.since(sessionId, null);
    return entries.flatMap(({ event }) => (event.type === 'file.stored' ? [event.file.fileId] : []));
  }

  async function uploadMany(browser: Browser, count: number, harness: FilesApp = h): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const body = Buffer.concat([PNG, randomBytes(64)]); // a PNG with trailing bytes: a distinct file each time
      ids.push(await uploadedFileId(await uploadRaw(harness.url, body, { sessionId: browser.sessionId, name: `p${i}.png`, cookie: browser.cookie })));
    }
    return ids;
  }

  it('is idempotent: running a finished job again, or queuing it again, changes nothing', async () => {
    const workers = await h.startWorkers();
    const browser = await newBrowser(h.url);
    const [fileId = ''] = await uploadMany(browser, 1);
    const stored = await settledFile(h.t, fileId);
    expect(stored.status).toBe('stored');
    await eventually(async () => (await (await h.t.app.queues.upload.getJob(fileId))?.getState()) === 'completed', 10_000, 'the job completing');

    expect(await workers.services.uploadProcessing.processUpload(fileId, SYSTEM_ACTOR)).toEqual({ outcome: 'unchanged', status: 'stored' });
    await h.t.app.queues.enqueueUpload({ fileId, sessionId: browser.sessionId });
    const job = await h.t.app.queues.upload.getJob(fileId);
    expect(await job?.getState()).toBe('completed');
    await workers.close();

    const again = await h.t.app.db.models.SessionFile.findByPk(fileId);
    expect(again?.get({ plain: true })).toEqual(stored);
    expect(await allKeys(h.storage, `sessions/${browser.sessionId}/`)).toEqual([stored.objectKey]);
    expect(await auditCount(browser.sessionId, 'file.uploaded')).toBe(1);
    expect(await storedEvents(browser.sessionId)).toEqual([fileId]);
  });

  it('picks up a run interrupted after the move: the moved object is found and the file stored once', async () => {
    const browser = await newBrowser(h.url);
    const [fileId = ''] = await uploadMany(browser, 1);
    // As if a worker died right after moving the bytes, before it marked the row.
    await h.storage.move(stagingKey(fileId), sessionFileKey(browser.sessionId, fileId, 'p0.png'));
    const workers = await h.startWorkers();
    const row = await settledFile(h.t, fileId);
    await workers.close();
    expect(row).toMatchObject({ status: 'stored', objectKey: sessionFileKey(browser.sessionId, fileId, 'p0.png') });
    expect(await allKeys(h.storage, `sessions/${browser.sessionId}/`)).toEqual([row.objectKey]);
  });

  it.each(['reset', 'expired'] as const)('discards an upload whose session was %s before its job ran: failed, its bytes deleted, audited, nothing stored in the ended session', async (ending) => {
    const browser = await newBrowser(h.url);
    const [fileId = ''] = await uploadMany(browser, 1);
    if (ending === 'reset') await browser.client.session.reset.mutate({ sessionId: browser.sessionId });
    else await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: browser.sessionId } });

    const workers = await h.startWorkers();
    const row = await settledFile(h.t, fileId);
    await workers.close();
    expect(row.status).toBe('failed');
    expect(await allKeys(h.storage, `sessions/${browser.sessionId}/`)).toEqual([]);
    expect((await allKeys(h.storage, 'staging/')).filter((key) => key.endsWith(fileId))).toEqual([]);
    const audit = await h.t.app.services.audit.forSession(browser.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata)).toEqual([{ fileId, reason: 'session_ended' }]);
    expect(await auditCount(browser.sessionId, 'file.uploaded')).toBe(0);
    expect(await storedEvents(browser.sessionId)).toEqual([]);
  });

  it('retries with backoff through a store that fails transiently (fault injected: the first 2 store calls throw) and then stores the file', async () => {
    const flaky = failingFirst(createObjectStore(h.t.app.config), 2);
    const workers = await h.startWorkers({ storage: flaky });
    const browser = await newBrowser(h.url);
    const [fileId = ''] = await uploadMany(browser, 1);
    const row = await settledFile(h.t, fileId, 30_000);
    // The row is marked inside the job; the job completes just after.
    await eventually(async () => (await (await h.t.app.queues.upload.getJob(fileId))?.getState()) === 'completed', 10_000, 'the job completing');
    const job = await h.t.app.queues.upload.getJob(fileId);
    await workers.close();
    expect(flaky.failed()).toBe(2);
    expect(row.status).toBe('stored');
    expect(job?.attemptsMade).toBe(3); // two failed attempts, then the one that succeeded
    expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 1000 });
    expect(await auditCount(browser.sessionId, 'file.uploaded')).toBe(1);
    expect(await storedEvents(browser.sessionId)).toEqual([fileId]);
  });

  it('fails a job with a malformed payload at once (UnrecoverableError), without retrying it', async () => {
    const workers = await h.startWorkers();
    const job = await h.t.app.queues.upload.add(QUEUE_NAMES.upload, { fileId: 'not-a-uuid', sessionId: 'x' }, { jobId: `bad-${randomBytes(4).toString('hex')}` });
    await eventually(async () => (await job.getState()) === 'failed', 10_000, 'the bad job failing');
    const failed = await h.t.app.queues.upload.getJob(job.id ?? '');
    await workers.close();
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid payload/);
  });

  it('survives a worker process killed with SIGKILL mid-queue: a second process finishes, every upload stored exactly once', { timeout: 120_000 }, async () => {
    // A queue of its own: a worker's stalled check holds off the others for its own stalledInterval, and the
    // in-process workers of the tests above check every 30 s.
    const own = await startFilesApp({ database, store, workers: false });
    onTestFinished(() => own.close());
    const browser = await newBrowser(own.url);
    const fileIds = await uploadMany(browser, 24, own);
    const timings = { redisPrefix: own.redisPrefix, lockDuration: 1500, stalledInterval: 500 };
    const storedCount = async () => (await own.t.app.db.models.SessionFile.count({ where: { sessionId: browser.sessionId, status: 'stored' } }));

    let first: WorkerProcess | undefined = await startWorkerProcess(own.env, { ...timings, slowMoveMs: 400 });
    let second: WorkerProcess | undefined;
    try {
      await eventually(async () => (await storedCount()) >= 4, 30_000, 'the first worker storing a few files');
      const active = await own.t.app.queues.upload.getActiveCount();
      expect(active).toBeGreaterThan(0); // killed with jobs in its hands
      await first.kill('SIGKILL');
      first = undefined;
      expect(await storedCount()).toBeLessThan(fileIds.length);

      second = await startWorkerProcess(own.env, timings);
      await eventually(async () => (await storedCount()) === fileIds.length, 60_000, 'every upload stored');
      await eventually(async () => (await own.t.app.queues.upload.getActiveCount()) === 0, 10_000, 'the queue draining');
    } finally {
      await first?.kill('SIGKILL');
      expect(await second?.kill('SIGTERM')).toBe(0);
    }

    const rows = await own.t.app.db.models.SessionFile.findAll({ where: { sessionId: browser.sessionId } });
    expect(rows.map((row) => row.status)).toEqual(fileIds.map(() => 'stored'));
    const keys = await allKeys(own.storage, `sessions/${browser.sessionId}/`);
    expect(keys.sort()).toEqual(rows.map((row) => row.objectKey).sort()); // one object per file, nothing twice
    expect((await allKeys(own.storage, 'staging/')).filter((key) => fileIds.some((id) => key.endsWith(id)))).toEqual([]);
    expect(await auditCount(browser.sessionId, 'file.uploaded', own)).toBe(fileIds.length);
    // The jobs the killed worker held were handed back by the stalled-job check and started again.
    const jobs = await Promise.all(fileIds.map((id) => own.t.app.queues.upload.getJob(id)));
    expect(jobs.filter((job) => (job?.attemptsStarted ?? 0) > 1).length).toBeGreaterThan(0);
    await own.t.app.services.events.flush();
    // Events are at least once: a job handed back after the kill announces its file again.
    expect([...new Set(await storedEvents(browser.sessionId, own))].sort()).toEqual([...fileIds].sort());
  });

  it('shuts down gracefully on SIGTERM: the job in hand finishes, then the process exits 0', { timeout: 60_000 }, async () => {
    const worker = await startWorkerProcess(h.env, { redisPrefix: h.redisPrefix, lockDuration: 30_000, stalledInterval: 30_000, slowMoveMs: 1500 });
    const browser = await newBrowser(h.url);
    const [fileId = ''] = await uploadMany(browser, 1);
    await eventually(async () => (await (await h.t.app.queues.upload.getJob(fileId))?.getState()) === 'active', 10_000, 'the job starting');
    expect(await worker.kill('SIGTERM')).toBe(0);
    const row = await h.t.app.db.models.SessionFile.findByPk(fileId);
    expect(row?.status).toBe('stored');
    expect(await (await h.t.app.queues.upload.getJob(fileId))?.getState()).toBe('completed');
  });
});
