import { DataTypes, QueryTypes } from 'sequelize';
import { chainAfter, GENESIS_HASH, type ChainedRow } from '../../services/audit/audit-chain.js';
import { toChainedRow } from '../../services/audit/audit-store.js';
import type { Migration } from './migration.js';

/** Rows chained per UPDATE round while existing rows are brought into the chain. */
const PAGE = 1000;

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
        const records = await sequelize.query<Parameters<typeof toChainedRow>[0]>(
          'SELECT * FROM audit_logs WHERE id > :afterId ORDER BY id LIMIT :limit',
          { replacements: { afterId, limit: PAGE }, type: QueryTypes.SELECT, transaction },
        );
        if (records.length === 0) break;
        const existing = records.map(toChainedRow);
        const chained: ChainedRow[] = chainAfter(head, existing);
        for (const [index, row] of chained.entries()) {
          // Ids only ever move down (to their position in the chain), so no renumbered row meets one not yet renumbered.
          await sequelize.query('UPDATE audit_logs SET id = :id, prev_hash = :prevHash, hash = :hash WHERE id = :oldId', {
            replacements: { id: row.id, prevHash: row.prevHash, hash: row.hash, oldId: existing[index]?.id },
            transaction,
          });
        }
        afterId = existing.at(-1)?.id ?? afterId;
        const last = chained.at(-1);
        if (last) head = { lastId: last.id, hash: last.hash };
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
