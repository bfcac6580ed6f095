import { loadConfig } from '../config/env.js';
import { createDatabase } from './database.js';

/** `npm run migrate`: applies pending migrations and says which ran. */
const config = loadConfig();
const db = createDatabase(config.databaseUrl, { info: (msg) => { console.log(msg); } });
try {
  await db.migrate();
  console.log('Migrations are up to date.');
} finally {
  await db.close();
}
