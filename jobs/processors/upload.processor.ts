import { UnrecoverableError, type Job } from 'bullmq';
import { uploadJobSchema } from '../../src/shared/jobs.js';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import type { FilesService } from '../../src/server/services/files/files.service.js';
import { parsePayload, isLastAttempt } from './payload.js';

export interface UploadJobResult {
  outcome: string;
  reason?: string;
}

/**
 * Verifies one staged upload and moves it into its session (FilesService.processUpload holds the
 * rules). Events are delivered at least once: a redelivered job repeats the file's outcome. A thrown error is retried with backoff; when the last attempt fails too, the upload is
 * marked failed and its bytes removed, so no file stays `uploading` for ever.
 */
export function createUploadProcessor(files: FilesService, events: { flush(): Promise<void> }) {
  return async (job: Job): Promise<UploadJobResult> => {
    const { fileId } = parsePayload(uploadJobSchema, job);
    try {
      // Started before (a retry, or a stalled job handed back): the run before may have died before announcing its outcome.
      const result = await files.processUpload(fileId, SYSTEM_ACTOR, { redelivered: job.attemptsStarted > 1 });
      // The job completes only once its events are in Redis: a worker killed now loses no news.
      await events.flush();
      return result.outcome === 'rejected' ? { outcome: result.outcome, reason: result.reason } : { outcome: result.outcome };
    } catch (error) {
      if (error instanceof UnrecoverableError || isLastAttempt(job)) {
        await files.abandonUpload(fileId, 'The file could not be processed. Please upload it again.');
      }
      throw error;
    }
  };
}
