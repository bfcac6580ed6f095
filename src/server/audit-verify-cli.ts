import { loadConfig } from './config/env.js';
import { createDatabase } from './db/database.js';
import { auditChainParts, verifyAuditChain } from './services/audit/audit-verifier.js';
import { createObjectStore } from './storage/create-object-store.js';

/**
 * `npm run audit:verify`: walks the audit chain (archives in the object store and the database,
 * then the head) and exits 0 with a one-line summary, or 1 naming what is wrong: the first row
 * edited, removed or reordered, an archive that does not match its manifest, or a foreign object
 * under audit/. 2 when it could not read the chain at all.
 */
const config = loadConfig();
const db = createDatabase(config.databaseUrl);
const objects = createObjectStore(config);

try {
  const result = await verifyAuditChain(auditChainParts(db, objects));
  if (result.ok) {
    const archived = result.archives > 0 ? ` (${result.archivedRows} of them in ${result.archives} archives)` : '';
    console.log(`audit chain OK: ${result.rows} rows${archived}, head row ${result.head.lastId} ${result.head.hash}`);
  } else {
    const at = result.broken.rowId === undefined ? '' : ` at row ${result.broken.rowId}`;
    console.error(`audit chain BROKEN${at}: ${result.broken.message}`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`audit:verify could not read the chain: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await db.close();
  await objects.close();
}
