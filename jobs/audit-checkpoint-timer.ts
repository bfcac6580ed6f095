import type { Logger } from '../src/server/logger.js';
import type { Clock } from '../src/server/services/actor.js';
import type { AuditCheckpoints } from '../src/server/services/audit/audit-checkpoint.js';
import type { AuditStore } from '../src/server/services/audit/audit-store.js';

/**
 * Once a minute: rows removed from the end after a checkpoint are seen by audit:verify, so this is
 * about the most an attacker can remove unseen; one small put a minute per worker process costs
 * nothing next to the audit writes themselves.
 */
export const AUDIT_CHECKPOINT_EVERY_MS = 60_000;

export interface AuditCheckpointTimerOptions {
  rows: AuditStore;
  checkpoints: AuditCheckpoints;
  clock: Clock;
  everyMs?: number;
  log: Logger;
}

export interface AuditCheckpointTimer {
  /** Stops writing; resolves once a write under way has finished. */
  stop(): Promise<void>;
}

/**
 * Writes the audit checkpoint (the chain head) at start and then every `everyMs`. A timer in each
 * worker process rather than a job: it keeps going while Redis is away, and a long archive run on
 * the archive-audit queue never holds it up. Two processes writing at once both write a head that
 * was true, so the later write may carry the older head; the next minute's write moves it on.
 */
export function startAuditCheckpoints(opts: AuditCheckpointTimerOptions): AuditCheckpointTimer {
  let writing: Promise<void> | undefined;
  const write = async () => {
    try {
      await opts.checkpoints.write(await opts.rows.head(), opts.clock());
    } catch (error) {
      // The database or the store away: the next tick tries again.
      opts.log.warn({ err: error }, 'could not write the audit checkpoint');
    }
  };
  const tick = () => {
    writing ??= write().finally(() => { writing = undefined; });
  };
  tick();
  const timer = setInterval(tick, opts.everyMs ?? AUDIT_CHECKPOINT_EVERY_MS);
  // A worker process ends when its workers close, not when this timer says so.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await writing;
    },
  };
}
