import { createDatabase } from '../../../src/server/db/database.js';
import { migrationLockFor } from '../../../src/server/db/migration-lock-for.js';

/** Takes the migration lock of DATABASE_URL, says "holding", and keeps it until the process is killed. */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');
const db = createDatabase(url);
await migrationLockFor(url, db.sequelize).run(() => new Promise<void>((release) => {
  console.log('holding');
  // A timer keeps the process alive: an open SQLite handle alone does not. The signal's listener keeps
  // this hold reachable: a promise nothing can settle is garbage, and collecting it closes the lock's
  // connection, which releases the lock (CI's Node 24 leg saw a waiter take it at once).
  const alive = setInterval(() => undefined, 60_000);
  process.once('SIGTERM', () => { clearInterval(alive); release(); });
}));
await db.close();
