import sqlite3 from 'sqlite3';
import { pollingLock, type LockSession, type MigrationLock, type MigrationLockOptions } from './migration-lock.js';

function open(file: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const handle = new sqlite3.Database(file, (error) => { if (error) reject(error); else resolve(handle); });
  });
}

function exec(handle: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => { handle.exec(sql, (error) => { if (error) reject(error); else resolve(); }); });
}

function close(handle: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => { handle.close((error) => { if (error) reject(error); else resolve(); }); });
}

function isBusy(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'SQLITE_BUSY';
}

/**
 * SQLite's own file lock, taken on a file beside the database rather than on the database itself:
 * holding the database's write lock for the whole run would shut out the migrations' own connections.
 * `BEGIN EXCLUSIVE` on the lock file's connection holds it (the file stays empty, nothing is written);
 * the operating system drops it when the process ends, so a killed process leaves nothing to clean up.
 * Like SQLite itself, this needs a file system whose locks work (not every network file system's do).
 */
export function createSqliteMigrationLock(storage: string, options: MigrationLockOptions = {}): MigrationLock {
  const file = `${storage}.migration-lock`;
  return pollingLock(`SQLite database ${storage}`, async (): Promise<LockSession> => {
    const handle = await open(file);
    try {
      // A held lock answers SQLITE_BUSY at once and the poll does the waiting, not a thread of libuv's pool.
      await exec(handle, 'PRAGMA busy_timeout = 0');
    } catch (error) {
      // No session is returned, so nothing else would close it: a long-lived server would keep the file open.
      await close(handle).catch(() => undefined);
      throw error;
    }
    return {
      async tryAcquire() {
        try {
          // journal_mode MEMORY: no -journal file beside the lock file, none left by a killed holder. It reads
          // the file, so it is busy too while another process holds the lock.
          await exec(handle, 'PRAGMA journal_mode = MEMORY; BEGIN EXCLUSIVE');
          return true;
        } catch (error) {
          if (isBusy(error)) return false;
          throw error;
        }
      },
      // Closing ends the transaction, and with it the lock.
      close: () => close(handle),
    };
  }, options);
}
