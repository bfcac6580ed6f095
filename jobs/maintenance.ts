import type { ProcessDeps } from '../src/server/process-deps.js';
import { AuditCheckpoints, checkpointKeyFrom } from '../src/server/services/audit/audit-checkpoint.js';
import type { AuditStore } from '../src/server/services/audit/audit-store.js';
import { startAuditCheckpoints } from './audit-checkpoint-timer.js';
import { ARCHIVE_AUDIT_EVERY_MS } from './processors/archive-audit.processor.js';
import { keepSchedulers } from './scheduler-keeper.js';

/** How often the periodic work runs; a test shortens it. */
export interface MaintenanceTiming {
  /** How often to look for schedulers Redis lost (default every minute). */
  schedulerCheckEveryMs?: number;
  /** How often `expire-sessions` runs (default every minute). */
  expireEveryMs?: number;
  /** How often `archive-audit` runs (default every hour). */
  archiveAuditEveryMs?: number;
  /** How often this process writes the audit checkpoint (default every minute). */
  auditCheckpointEveryMs?: number;
}

const EXPIRE_EVERY_MS = 60_000;

/**
 * Upserts the schedulers of the periodic jobs (once per interval across all workers), keeps them
 * while Redis might lose them, and writes this process's audit checkpoint; the keeper and the
 * checkpoint timer stop with the process's shutdown stack.
 */
export async function startMaintenance(deps: ProcessDeps, auditRows: AuditStore, timing: MaintenanceTiming): Promise<void> {
  const { config, queues, storage, clock, log, shutdown } = deps;
  const every = {
    cleanupOrphansMs: config.cleanupEveryMs,
    expireSessionsMs: timing.expireEveryMs ?? EXPIRE_EVERY_MS,
    archiveAuditMs: timing.archiveAuditEveryMs ?? ARCHIVE_AUDIT_EVERY_MS,
  };
  await queues.scheduleMaintenance(every);
  const keeper = keepSchedulers({ queues, every, checkEveryMs: timing.schedulerCheckEveryMs, log });
  shutdown.push(() => keeper.stop());
  const checkpoints = new AuditCheckpoints(storage, checkpointKeyFrom(config));
  const checkpointTimer = startAuditCheckpoints({ rows: auditRows, checkpoints, clock, everyMs: timing.auditCheckpointEveryMs, log });
  shutdown.push(() => checkpointTimer.stop());
}
