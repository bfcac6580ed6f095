import { createHash } from 'node:crypto';
import { DataTypes, QueryTypes } from 'sequelize';
import type { Migration } from './migration.js';

/** Rows chained per UPDATE round while existing rows are brought into the chain. */
const PAGE = 1000;

/*
 * The chain's hash as it was defined when this migration was written, copied here rather than
 * imported: a migration must do tomorrow exactly what it did the day it shipped, whatever the
 * audit code becomes. (The audit code computes the same hash: test/audit checks both agree.)
 */
const GENESIS_HASH = '0'.repeat(64);

interface StoredRow {
  id: number | string;
  session_id: string | null;
  event: string;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: string | Record<string, unknown>;
  created_at: string | Date;
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of [prev_hash, created_at, session_id, event, outcome, ip, user_agent, request_id, metadata]. */
function rowHash(row: StoredRow, prevHash: string): string {
  const createdAt = row.created_at instanceof Date ? row.created_at : new Date(row.created_at);
  const metadata: unknown = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata;
  const encoded = sortedJson([prevHash, createdAt.toISOString(), row.session_id, row.event, row.outcome, row.ip, row.user_agent, row.request_id, metadata]);
  return createHash('sha256').update(encoded).digest('hex');
}

/**
 * The audit hash chain: `prev_hash` and `hash` on every row, and `audit_chain_head`, one row
 * holding the last id and hash. Writers lock that row to append (see AuditStore), and verification
 * compares the end of the chain with it, so rows removed from the end are noticed too.
 * Rows written before this migration are chained here, oldest first, and renumbered 1, 2, 3, … so
 * that ids have no gaps (a gap later means a removed row).
 */
export const auditChain: Migration = {
  name: '0002-audit-chain',
  async up({ context: qi }) {
    await qi.addColumn('audit_logs', 'prev_hash', { type: DataTypes.STRING(64), allowNull: true });
    await qi.addColumn('audit_logs', 'hash', { type: DataTypes.STRING(64), allowNull: true });
    await qi.createTable('audit_chain_head', {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      last_id: { type: DataTypes.BIGINT, allowNull: false },
      hash: { type: DataTypes.STRING(64), allowNull: false },
    });

    const sequelize = qi.sequelize;
    await sequelize.transaction(async (transaction) => {
      let head = { lastId: 0, hash: GENESIS_HASH };
      let afterId = 0;
      for (;;) {
        const records = await sequelize.query<StoredRow>(
          'SELECT * FROM audit_logs WHERE id > :afterId ORDER BY id LIMIT :limit',
          { replacements: { afterId, limit: PAGE }, type: QueryTypes.SELECT, transaction },
        );
        if (records.length === 0) break;
        for (const record of records) {
          const id = head.lastId + 1;
          const hash = rowHash(record, head.hash);
          // Ids only ever move down (to their position in the chain), so no renumbered row meets one not yet renumbered.
          await sequelize.query('UPDATE audit_logs SET id = :id, prev_hash = :prevHash, hash = :hash WHERE id = :oldId', {
            replacements: { id, prevHash: head.hash, hash, oldId: Number(record.id) },
            transaction,
          });
          head = { lastId: id, hash };
        }
        afterId = Number(records.at(-1)?.id ?? afterId);
      }
      await qi.bulkInsert('audit_chain_head', [{ id: 1, last_id: head.lastId, hash: head.hash }], { transaction });
    });
  },
  async down({ context: qi }) {
    await qi.dropTable('audit_chain_head');
    await qi.removeColumn('audit_logs', 'hash');
    await qi.removeColumn('audit_logs', 'prev_hash');
  },
};
