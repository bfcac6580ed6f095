import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { expect, inject, it, onTestFinished } from 'vitest';
import { UPLOAD_GAVE_UP_REASON } from '../../jobs/processors/upload-failures.js';
import { bullPrefix } from '../../src/server/queues/job-queues.js';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import { QUEUE_NAMES, type UploadJob, type UploadJobResult } from '../../src/shared/jobs.js';
import { newBrowser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { eventsOnce, settledFile, useFilesApp } from '../support/files-app.js';
import { HookedStore } from '../support/store-wrappers.js';

/**
 * Short stalled checks for every worker here: the first check of a queue holds off the others for
 * its own stalledInterval (BullMQ's stalled-check key), so one default worker would delay the next test by 30 s.
 */
const WORKER_TIMINGS = { stalledInterval: 300, maxStalledCount: 0, lockDuration: 5000 };

const h = useFilesApp({ database: 'sqlite', store: 'local', workers: false });

/** A fresh upload whose job waits for a worker (none runs yet). */
async function stagedUpload(): Promise<{ sessionId: string; fileId: string }> {
  const browser = await newBrowser(h.url);
  const fileId = await uploadedFileId(await uploadRaw(h.url, PNG, { sessionId: browser.sessionId, name: 'a.png', cookie: browser.cookie }));
  return { sessionId: browser.sessionId, fileId };
}

async function expectGivenUp(sessionId: string, fileId: string): Promise<void> {
  const row = await settledFile(h.t, fileId, 30_000);
  expect(row.status).toBe('failed');
  const events = await eventsOnce(h, sessionId, (all) => all.some((event) => event.type === 'file.failed'));
  expect(events.find((event) => event.type === 'file.failed')).toMatchObject({ file: { fileId, status: 'failed' }, reason: UPLOAD_GAVE_UP_REASON });
  const audit = await h.t.app.services.audit.forSession(sessionId);
  expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata)).toEqual([{ fileId, reason: 'processing_failed' }]);
}

it('marks the file failed and tells its tabs at once when the job has spent its attempts (fault injected: the store fails every read and move)', { timeout: 60_000 }, async () => {
  const { sessionId, fileId } = await stagedUpload();
  // The same job with two quick attempts instead of five over 15 s: removed and queued again under its id.
  await h.t.app.queues.upload.remove(fileId);
  await h.t.app.queues.upload.add(QUEUE_NAMES.upload, { fileId, sessionId }, { jobId: fileId, attempts: 2, backoff: { type: 'fixed', delay: 100 } });
  // Deleting still works, as giving up removes the staged bytes.
  const broken = new HookedStore(createObjectStore(h.t.app.config), (operation) => {
    if (operation !== 'deleteMany' && operation !== 'list') throw new Error(`injected failure of ${operation}`);
  });
  const workers = await h.startWorkers({ storage: broken, workerOptions: WORKER_TIMINGS });
  onTestFinished(() => workers.close());

  await expectGivenUp(sessionId, fileId);
  const job = await h.t.app.queues.upload.getJob(fileId);
  expect(await job?.getState()).toBe('failed');
  expect(job?.attemptsMade).toBe(2);
});

it('marks the file failed and tells its tabs when the job stalled out: taken by a worker that died, more often than maxStalledCount allows', { timeout: 60_000 }, async () => {
  const { sessionId, fileId } = await stagedUpload();
  // A worker that takes the job and dies at once (fault injected): its lock is never renewed.
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const dying = new Worker<UploadJob, UploadJobResult>(QUEUE_NAMES.upload, null, { connection, prefix: bullPrefix(h.redisPrefix, QUEUE_NAMES.upload), lockDuration: 500 });
  const taken = await dying.getNextJob('dying-worker-token');
  expect(taken.id).toBe(fileId);
  await dying.close();
  await connection.quit();

  const workers = await h.startWorkers({ workerOptions: WORKER_TIMINGS });
  onTestFinished(() => workers.close());
  await expectGivenUp(sessionId, fileId);
  const job = await h.t.app.queues.upload.getJob(fileId);
  expect(job?.failedReason).toBe('job stalled more than allowable limit');
});
