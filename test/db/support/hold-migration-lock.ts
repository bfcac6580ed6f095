import { createDatabase } from '../../../src/server/db/database.js';
import { migrationLockFor } from '../../../src/server/db/migration-lock-for.js';

/**
 * Takes the migration lock of DATABASE_URL, says "holding", and keeps it until the process is killed
 * (or sent SIGTERM). Run with --expose-gc, it collects garbage before it says so: a hold that lasts
 * only while the collector leaves it alone then fails at once, not once in a while.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');
const collectGarbage = (globalThis as { gc?: () => void }).gc;
const db = createDatabase(url);
await migrationLockFor(url, db.sequelize).run(() => {
  // A timer keeps the process alive: an open SQLite handle alone does not. The signal's listener keeps
  // this hold reachable: a promise nothing can settle is garbage, and collecting it closes the lock's
  // connection, which releases the lock.
  const held = new Promise<void>((release) => {
    const alive = setInterval(() => undefined, 60_000);
    process.once('SIGTERM', () => { clearInterval(alive); release(); });
  });
  // On a later turn, once `run` waits on `held` and only what keeps the hold reachable is left.
  setTimeout(() => {
    collectGarbage?.();
    // A collected connection is closed by its finalizer, which runs after the collection.
    setTimeout(() => { console.log('holding'); }, 100);
  }, 0);
  return held;
});
await db.close();
