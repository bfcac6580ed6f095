import type { Job } from 'bullmq';
import { archiveAuditJobSchema, type ArchiveAuditJob } from '../../src/shared/jobs.js';
import type { ArchiveReport, AuditArchiver } from '../../src/server/services/audit/audit-archiver.js';
import { parsePayload } from './payload.js';

/** Hourly: rows pass retention continuously, and one run moves however many have. */
export const ARCHIVE_AUDIT_EVERY_MS = 60 * 60_000;

/** One pass of moving audit rows past AUDIT_RETENTION to the object store (AuditArchiver holds the rules). */
export function createArchiveAuditProcessor(archiver: AuditArchiver) {
  return async (job: Job<ArchiveAuditJob, ArchiveReport>): Promise<ArchiveReport> => {
    parsePayload(archiveAuditJobSchema, job);
    return archiver.run();
  };
}
