import { loadConfig } from './config/env.js';
import { createDatabase } from './db/database.js';
import { checkpointKeyFrom, type Checkpoint } from './services/audit/audit-checkpoint.js';
import { auditChainParts, verifyAuditChain } from './services/audit/audit-verifier.js';
import { createObjectStore } from './storage/create-object-store.js';

/**
 * `npm run audit:verify`: walks the audit chain (archives in the object store and the database,
 * then the head and the checkpoint) and exits 0 with a one-line summary, or 1 naming what is wrong:
 * the first row edited, removed or reordered, an archive that does not match its manifest, a
 * foreign object under audit/, or a checkpoint that is forged or ahead of the chain. 2 when it could
 * not read the chain at all (or has no key for a signed checkpoint).
 */
const config = loadConfig();
const db = createDatabase(config.databaseUrl);
const objects = createObjectStore(config);

function describeCheckpoint(checkpoint: Checkpoint | null): string {
  if (!checkpoint) return 'no checkpoint';
  const signed = checkpoint.signature ? `signed with the key from ${checkpoint.signature.key}` : 'unsigned';
  return `checkpoint of ${checkpoint.at} at row ${checkpoint.head.id}, ${signed}`;
}

try {
  const result = await verifyAuditChain(auditChainParts(db, objects, checkpointKeyFrom(config)));
  if (result.ok) {
    const archived = result.archives > 0 ? ` (${result.archivedRows} of them in ${result.archives} archives)` : '';
    console.log(`audit chain OK: ${result.rows} rows${archived}, head row ${result.head.lastId} ${result.head.hash}; ${describeCheckpoint(result.checkpoint)}`);
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
