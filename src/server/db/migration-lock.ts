import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Lets one process at a time run migrations on a database: umzug itself has no lock, so servers and
 * workers starting together would otherwise apply the same migration at once.
 */
export interface MigrationLock {
  /** Runs `work` while holding the lock, waiting for another holder first; releases it however `work` ends. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export interface MigrationLockOptions {
  /** How long to wait for another process before giving up; a minute by default. */
  timeoutMs?: number;
  /** Told once when the lock is busy, so that a slow start-up says what it is waiting for. */
  onWait?: (message: string) => void;
}

/** One connection that can hold the lock: it is held until `close`, which releases it. */
export interface LockSession {
  /** Takes the lock if it is free, at once: true when it is now held. */
  tryAcquire(): Promise<boolean>;
  close(): Promise<void>;
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
/** Start-up is the only waiter, so a short poll costs nothing and hands over soon after the holder ends. */
const POLL_MS = 100;

function spoken(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

export class MigrationLockTimeoutError extends Error {
  constructor(readonly database: string, readonly timeoutMs: number) {
    super(
      `Gave up after ${spoken(timeoutMs)} waiting for another process's migrations on ${database}. ` +
        'If migrations are still running there, start this process again when they end; if no process is migrating, a process holding the lock is stuck.',
    );
    this.name = 'MigrationLockTimeoutError';
  }
}

/** A lock taken by polling a session's `tryAcquire`: the same wait, bound and message for every dialect. */
export function pollingLock(database: string, openSession: () => Promise<LockSession>, options: MigrationLockOptions = {}): MigrationLock {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return {
    async run(work) {
      const session = await openSession();
      try {
        const deadline = Date.now() + timeoutMs;
        let told = false;
        while (!(await session.tryAcquire())) {
          const left = deadline - Date.now();
          if (left <= 0) throw new MigrationLockTimeoutError(database, timeoutMs);
          if (!told) {
            told = true;
            options.onWait?.(`Waiting for another process's migrations on ${database} (up to ${spoken(timeoutMs)})`);
          }
          await sleep(Math.min(POLL_MS, left));
        }
        return await work();
      } finally {
        await session.close();
      }
    },
  };
}

/** For databases no other process can open (in-memory SQLite). */
export const NO_LOCK: MigrationLock = { run: (work) => work() };
