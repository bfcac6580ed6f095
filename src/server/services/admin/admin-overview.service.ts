import type { Queue } from 'bullmq';
import { Op } from 'sequelize';
import { ADMIN_PATHS, type AdminOverview, type FailedJob, type QueueStatus } from '../../../shared/admin.js';
import type { Database } from '../../db/database.js';
import type { Clock } from '../actor.js';

export interface AdminOverviewOptions {
  db: Database;
  queues: readonly Queue[];
  clock: Clock;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const REFUSAL_MINUTES = 30;
const FAILED_JOBS_SHOWN = 10;

/** The numbers on the admin page: sessions, refusals, queues and the jobs that failed. */
export class AdminOverviewService {
  constructor(private readonly opts: AdminOverviewOptions) {}

  async overview(): Promise<AdminOverview> {
    const now = this.opts.clock();
    const [sessions, refusalsPerMinute, queues, failedJobs] = await Promise.all([
      this.sessions(now),
      this.refusalsPerMinute(now),
      Promise.all(this.opts.queues.map((queue) => queueStatus(queue))),
      this.failedJobs(),
    ]);
    return { generatedAt: now.toISOString(), sessions, refusalsPerMinute, queues, failedJobs, dashboardPath: ADMIN_PATHS.queues };
  }

  private async sessions(now: Date): Promise<AdminOverview['sessions']> {
    const { UserSession } = this.opts.db.models;
    const since = (ms: number) => new Date(now.getTime() - ms);
    const [active, startedLastHour, startedLastDay, endedLastHour, endedLastDay] = await Promise.all([
      UserSession.count({ where: { status: 'active' } }),
      UserSession.count({ where: { createdAt: { [Op.gte]: since(HOUR_MS) } } }),
      UserSession.count({ where: { createdAt: { [Op.gte]: since(24 * HOUR_MS) } } }),
      UserSession.count({ where: { endedAt: { [Op.gte]: since(HOUR_MS) } } }),
      UserSession.count({ where: { endedAt: { [Op.gte]: since(24 * HOUR_MS) } } }),
    ]);
    return { active, startedLastHour, startedLastDay, endedLastHour, endedLastDay };
  }

  /** Refused rows per minute, the current minute last; minutes without any count 0. */
  private async refusalsPerMinute(now: Date): Promise<AdminOverview['refusalsPerMinute']> {
    const currentMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    const first = currentMinute - (REFUSAL_MINUTES - 1) * MINUTE_MS;
    const rows = await this.opts.db.models.AuditLog.findAll({
      attributes: ['createdAt'],
      where: { outcome: 'refused', createdAt: { [Op.gte]: new Date(first) } },
      raw: true,
    });
    const counts = new Array<number>(REFUSAL_MINUTES).fill(0);
    for (const row of rows) {
      const index = Math.floor((new Date(row.createdAt).getTime() - first) / MINUTE_MS);
      if (index >= 0 && index < REFUSAL_MINUTES) counts[index] = (counts[index] ?? 0) + 1;
    }
    return counts.map((count, index) => ({ minute: new Date(first + index * MINUTE_MS).toISOString(), count }));
  }

  private async failedJobs(): Promise<FailedJob[]> {
    const perQueue = await Promise.all(
      this.opts.queues.map(async (queue) => (await queue.getFailed(0, FAILED_JOBS_SHOWN - 1)).map((job): FailedJob => ({
        queue: queue.name,
        id: job.id ?? '',
        name: job.name,
        reason: job.failedReason || 'no reason was given',
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        attempts: job.attemptsMade,
      }))),
    );
    return perQueue.flat().sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? '')).slice(0, FAILED_JOBS_SHOWN);
  }
}

async function queueStatus(queue: Queue): Promise<QueueStatus> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
  return {
    name: queue.name,
    // Prioritized jobs wait too, in an order of their own.
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
  };
}
