import { createDatabase } from '../../../src/server/db/database.js';
import { migrationLockFor } from '../../../src/server/db/migration-lock-for.js';

/** Takes the migration lock of DATABASE_URL, says "holding", and keeps it until the process is killed. */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');
const db = createDatabase(url);
await migrationLockFor(url, db.sequelize).run(() => {
  console.log('holding');
  // A timer keeps the process alive: an open SQLite handle alone does not.
  return new Promise<never>(() => { setInterval(() => undefined, 60_000); });
});
