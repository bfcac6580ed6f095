import { QueryTypes } from 'sequelize';
import type { Database } from '../../../src/server/db/database.js';
import { chainAfter } from '../../../src/server/services/audit/audit-chain.js';
import { AuditStore } from '../../../src/server/services/audit/audit-store.js';

/**
 * What someone with write access to the database (and no key) can do to the audit chain, each
 * leaving a database that verifies on its own; each resolves to a function that puts it back.
 */

/** Deletes the rows from `fromId` to the end and rewinds the head row to the row before. */
export async function truncateChain(db: Database, fromId: number): Promise<() => Promise<void>> {
  const store = new AuditStore(db);
  const head = await store.head();
  const [before] = await store.page(fromId - 2, 1);
  if (before?.id !== fromId - 1) throw new Error(`row ${fromId - 1} is not in the database`);
  const removed = await db.sequelize.query<Record<string, unknown>>('SELECT * FROM audit_logs WHERE id >= :fromId ORDER BY id', { replacements: { fromId }, type: QueryTypes.SELECT });
  await db.sequelize.query('DELETE FROM audit_logs WHERE id >= :fromId', { replacements: { fromId } });
  await setHead(db, before.id, before.hash);
  return async () => {
    const records = removed.map((record) => ({ ...record, metadata: typeof record.metadata === 'string' ? record.metadata : JSON.stringify(record.metadata) }));
    await db.sequelize.getQueryInterface().bulkInsert('audit_logs', records);
    await setHead(db, head.lastId, head.hash);
  };
}

/** Gives row `fromId` another outcome and chains every row from there to the end again, head included. */
export async function rewriteChainFrom(db: Database, fromId: number, outcome: string): Promise<() => Promise<void>> {
  const store = new AuditStore(db);
  const head = await store.head();
  const [before, ...rows] = await store.page(fromId - 2, 100_000);
  if (before?.id !== fromId - 1) throw new Error(`row ${fromId - 1} is not in the database`);
  const rewritten = chainAfter({ lastId: before.id, hash: before.hash }, rows.map((row, index) => (index === 0 ? { ...row, outcome } : row)));
  const update = async (id: number, values: { outcome: string; prevHash: string; hash: string }) => {
    await db.sequelize.query('UPDATE audit_logs SET outcome = :outcome, prev_hash = :prevHash, hash = :hash WHERE id = :id', { replacements: { id, ...values } });
  };
  for (const row of rewritten) await update(row.id, row);
  const last = rewritten.at(-1);
  if (last) await setHead(db, last.id, last.hash);
  return async () => {
    for (const row of rows) await update(row.id, row);
    await setHead(db, head.lastId, head.hash);
  };
}

async function setHead(db: Database, lastId: number, hash: string): Promise<void> {
  await db.sequelize.query('UPDATE audit_chain_head SET last_id = :lastId, hash = :hash WHERE id = 1', { replacements: { lastId, hash } });
}
