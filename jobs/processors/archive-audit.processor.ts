import type { Job } from 'bullmq';
import { z } from 'zod';
import type { ArchiveReport, AuditArchiver } from '../../src/server/services/audit/audit-archiver.js';
import { parsePayload } from './payload.js';

/** The queue of the periodic audit archive, and the id of the scheduler that starts it. */
export const ARCHIVE_AUDIT_QUEUE = 'archive-audit';
export const ARCHIVE_AUDIT_SCHEDULER_ID = 'archive-audit-every';
/** Hourly: rows pass retention continuously, and one run moves however many have. */
export const ARCHIVE_AUDIT_EVERY_MS = 60 * 60_000;

export const archiveAuditJobSchema = z.object({}).strict();
export type ArchiveAuditJob = z.infer<typeof archiveAuditJobSchema>;

/** One pass of moving audit rows past AUDIT_RETENTION to the object store (AuditArchiver holds the rules). */
export function createArchiveAuditProcessor(archiver: AuditArchiver) {
  return async (job: Job<ArchiveAuditJob, ArchiveReport>): Promise<ArchiveReport> => {
    parsePayload(archiveAuditJobSchema, job);
    return archiver.run();
  };
}
