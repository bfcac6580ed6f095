import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../../src/server/logger.js';
import type { UploadProcessingService } from '../../src/server/services/files/upload-processing.service.js';
import { uploadJobSchema, type UploadJob, type UploadJobResult } from '../../src/shared/jobs.js';

export const UPLOAD_GAVE_UP_REASON = 'The file could not be processed. Please upload it again.';

/**
 * Whether a failure is the job's last: its attempts are spent, or it was unrecoverable. BullMQ 6
 * fails a job that stalled more than `maxStalledCount` times this way too: the stalled check puts
 * it back with a deferred failure, and the next worker to take it fails it with an
 * UnrecoverableError ("job stalled more than allowable limit") without running the processor.
 */
export function failedForGood(job: Job, error: Error): boolean {
  return error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/**
 * The upload worker's `failed` listener: an upload whose job failed for good is marked `failed`
 * and its tabs told (`file.failed`) at once, rather than by the cleanup after ORPHAN_GRACE.
 * `drain` waits for the ones under way, so that closing the workers does not cut them off.
 */
export function createUploadFailureHandler(uploads: Pick<UploadProcessingService, 'abandonUpload'>, events: { flush(): Promise<void> }, log: Logger) {
  const pending = new Set<Promise<void>>();
  return {
    onFailed: (job: Job<UploadJob, UploadJobResult> | undefined, error: Error): void => {
      if (!job || !failedForGood(job, error)) return;
      // A malformed payload names no file to give up on.
      const payload = uploadJobSchema.safeParse(job.data);
      if (!payload.success) return;
      const giveUp = (async () => {
        await uploads.abandonUpload(payload.data.fileId, UPLOAD_GAVE_UP_REASON);
        await events.flush();
        log.warn({ fileId: payload.data.fileId, reason: error.message, attemptsMade: job.attemptsMade }, 'upload given up');
      })()
        .catch((abandonError: unknown) => { log.error({ err: abandonError, fileId: payload.data.fileId }, 'a failed upload could not be marked failed; the cleanup will'); })
        .finally(() => { pending.delete(giveUp); });
      pending.add(giveUp);
    },
    async drain(): Promise<void> {
      await Promise.all(pending);
    },
  };
}
