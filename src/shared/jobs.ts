import { z } from 'zod';
import { fileIdSchema } from './files.js';

/**
 * The background jobs: queue names and the payload each carries. Producers (the API, the
 * schedulers) and the workers both parse payloads with these schemas, so a change here breaks
 * the compile on both sides, and a malformed job never reaches a processor's rules.
 */
export const QUEUE_NAMES = {
  upload: 'upload',
  cleanupOrphans: 'cleanup-orphans',
  expireSessions: 'expire-sessions',
  archiveAudit: 'archive-audit',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Verifies a staged upload and moves it into its session's namespace. The job id is the file id. */
export const uploadJobSchema = z.object({
  fileId: fileIdSchema,
  sessionId: z.uuid(),
});
export type UploadJob = z.infer<typeof uploadJobSchema>;
/** What an upload job returns (kept on the finished job, shown by the dashboard). */
export interface UploadJobResult {
  outcome: 'stored' | 'rejected' | 'unchanged' | 'missing';
  reason?: string;
}

/** Deletes what ended sessions, unknown sessions and abandoned uploads left in the object store. */
export const cleanupOrphansJobSchema = z.object({}).strict();
export type CleanupOrphansJob = z.infer<typeof cleanupOrphansJobSchema>;

/** Marks idle and over-age sessions expired, at most `batchSize` per round. */
export const expireSessionsJobSchema = z
  .object({
    batchSize: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type ExpireSessionsJob = z.infer<typeof expireSessionsJobSchema>;
export interface ExpireSessionsResult {
  expired: number;
}

/** Moves audit rows past AUDIT_RETENTION to the object store; nothing to say but "run". */
export const archiveAuditJobSchema = z.object({}).strict();
export type ArchiveAuditJob = z.infer<typeof archiveAuditJobSchema>;
