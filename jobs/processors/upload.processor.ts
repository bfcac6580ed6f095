import type { Job } from 'bullmq';
import { uploadJobSchema, type UploadJob, type UploadJobResult } from '../../src/shared/jobs.js';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import type { UploadProcessingService } from '../../src/server/services/files/upload-processing.service.js';
import { parsePayload } from './payload.js';

/**
 * Verifies one staged upload and moves it into its session (UploadProcessingService.processUpload
 * holds the rules). Events are delivered at least once: a redelivered job repeats the file's
 * outcome. A thrown error is retried with backoff; a job that fails for good is given up on by the
 * worker's `failed` handler (upload-failures.ts), which also sees the jobs that stalled out and
 * never ran here.
 */
export function createUploadProcessor(uploads: Pick<UploadProcessingService, 'processUpload'>, events: { flush(): Promise<void> }) {
  return async (job: Job<UploadJob, UploadJobResult>): Promise<UploadJobResult> => {
    const { fileId } = parsePayload(uploadJobSchema, job);
    // Started before (a retry, or a stalled job handed back): the run before may have died before announcing its outcome.
    const result = await uploads.processUpload(fileId, SYSTEM_ACTOR, { redelivered: job.attemptsStarted > 1 });
    // The job completes only once its events are in Redis: a worker killed now loses no news.
    await events.flush();
    return result.outcome === 'rejected' ? { outcome: result.outcome, reason: result.reason } : { outcome: result.outcome };
  };
}
