import type { Job } from 'bullmq';
import { expireSessionsJobSchema, type ExpireSessionsJob, type ExpireSessionsResult } from '../../src/shared/jobs.js';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import type { SessionService } from '../../src/server/services/session/session.service.js';
import { parsePayload } from './payload.js';

const DEFAULT_BATCH = 500;
/** Rounds per run: a backlog larger than this is finished by the next run. */
const MAX_ROUNDS = 20;

/** Expires sessions that are idle or over age (SessionService.expireDue emits `session.expired` and audits each). */
export function createExpireSessionsProcessor(sessions: SessionService) {
  return async (job: Job<ExpireSessionsJob, ExpireSessionsResult>): Promise<ExpireSessionsResult> => {
    const { batchSize = DEFAULT_BATCH } = parsePayload(expireSessionsJobSchema, job);
    let expired = 0;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const ids = await sessions.expireDue(SYSTEM_ACTOR, batchSize);
      expired += ids.length;
      if (ids.length < batchSize) break;
    }
    return { expired };
  };
}
