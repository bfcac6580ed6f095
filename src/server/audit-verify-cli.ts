import { loadConfig } from './config/env.js';
import { createDatabase } from './db/database.js';
import { AuditArchiveStore } from './services/audit/audit-archive-store.js';
import { AuditStore } from './services/audit/audit-store.js';
import { verifyAuditChain } from './services/audit/audit-verifier.js';
import { createObjectStore } from './storage/create-object-store.js';

/**
 * `npm run audit:verify`: walks the audit chain (archives in the object store, then the database)
 * and exits 0 with a one-line summary, or 1 naming the first row that was edited, removed or
 * reordered (2 when it could not read the chain at all).
 */
const config = loadConfig();
const db = createDatabase(config.databaseUrl);
const objects = createObjectStore(config);
try {
  const result = await verifyAuditChain({ rows: new AuditStore(db), archives: new AuditArchiveStore(objects) });
  if (result.ok) {
    const archived = result.archives > 0 ? ` (${result.archivedRows} of them in ${result.archives} archives)` : '';
    console.log(`audit chain OK: ${result.rows} rows${archived}, head row ${result.head.lastId} ${result.head.hash}`);
  } else {
    console.error(`audit chain BROKEN at row ${result.broken.rowId}: ${result.broken.message}`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`audit:verify could not read the chain: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await db.close();
  await objects.close();
}
