import type { Job } from 'bullmq';
import { cleanupOrphansJobSchema, type CleanupOrphansJob } from '../../src/shared/jobs.js';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import type { CleanupReport, OrphanCleanupService } from '../../src/server/services/files/orphan-cleanup.service.js';
import { parsePayload } from './payload.js';

/** One sweep of the object store for what sessions left behind (OrphanCleanupService holds the rules). */
export function createCleanupOrphansProcessor(cleanup: OrphanCleanupService) {
  return async (job: Job<CleanupOrphansJob, CleanupReport>): Promise<CleanupReport> => {
    parsePayload(cleanupOrphansJobSchema, job);
    return cleanup.run(SYSTEM_ACTOR);
  };
}
