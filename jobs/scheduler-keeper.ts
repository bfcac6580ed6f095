import type { Logger } from '../src/server/logger.js';
import type { JobQueues, MaintenanceEvery } from '../src/server/queues/job-queues.js';

export interface SchedulerKeeperOptions {
  queues: JobQueues;
  every: MaintenanceEvery;
  /** How often to look (default every minute). */
  checkEveryMs?: number;
  log: Logger;
}

export interface SchedulerKeeper {
  /** Stops looking; resolves once a check under way has finished. */
  stop(): Promise<void>;
}

const CHECK_EVERY_MS = 60_000;

/**
 * Keeps the periodic jobs' schedulers in Redis while the workers run. They are written at start,
 * and a Redis that loses its data (a restart without persistence, a failover to a replica that had
 * not caught up, a FLUSHALL), or that loses only a scheduler's next job, would otherwise stop
 * expiries, cleanups and archives until a worker restarted.
 *
 * A timer rather than the connection's 'ready' event: data can vanish while the connection stays up
 * (a flush, a failover behind a proxy), and most reconnects lose nothing. Each check reads the three
 * schedulers and rewrites only the missing or stalled ones (JobQueues.restoreMaintenance). Every
 * worker process runs one; two that restore at once write the same scheduler id.
 */
export function keepSchedulers(opts: SchedulerKeeperOptions): SchedulerKeeper {
  let checking: Promise<void> | undefined;
  const check = async () => {
    try {
      const { missing, stalled } = await opts.queues.restoreMaintenance(opts.every);
      if (missing.length > 0) opts.log.warn({ schedulers: missing }, 'job schedulers were missing from Redis (did it lose its data?): restored');
      if (stalled.length > 0) opts.log.warn({ schedulers: stalled }, 'job schedulers had lost their next job (lost with some Redis keys, or not written when the last run was taken): restored');
    } catch (error) {
      // Redis away: the next check tries again, and the connection's own errors are logged already.
      opts.log.debug({ err: error }, 'could not check the job schedulers');
    }
  };
  const timer = setInterval(() => {
    checking ??= check().finally(() => { checking = undefined; });
  }, opts.checkEveryMs ?? CHECK_EVERY_MS);
  // A worker process ends when its workers close, not when this timer says so.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await checking;
    },
  };
}
