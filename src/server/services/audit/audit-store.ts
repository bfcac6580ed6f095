import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import { chainAfter, type ChainedRow, type RowContent } from './audit-chain.js';

export interface ChainHead {
  /** The id of the last row ever chained (0 before the first). */
  lastId: number;
  hash: string;
}

interface HeadRecord {
  last_id: number | string;
  hash: string;
}

interface RowRecord {
  id: number | string;
  session_id: string | null;
  event: string;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: string | Record<string, unknown>;
  created_at: string | Date;
  prev_hash: string | null;
  hash: string | null;
}

const ROW_COLUMNS = 'id, session_id, event, outcome, ip, user_agent, request_id, metadata, created_at, prev_hash, hash';

/**
 * Reads and writes the chain with plain SQL: the audit tables are append-only and hot, and model
 * instances would add nothing but cost. The SQL driver gives back text on SQLite and typed values on
 * PostgreSQL; `toChainedRow` makes both the same.
 */
export class AuditStore {
  constructor(private readonly db: Database) {}

  /**
   * Appends `contents` after the chain head, inside `transaction`. On PostgreSQL the head row is
   * locked (`FOR UPDATE`) until the transaction ends, so writers in other processes wait their turn;
   * on SQLite the transaction is IMMEDIATE and already holds the database's only write lock.
   */
  async append(contents: readonly RowContent[], transaction: Transaction): Promise<ChainedRow[]> {
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const head = await this.head(transaction, lock);
    const rows = chainAfter(head, contents);
    const last = rows.at(-1);
    if (!last) return rows;
    await this.db.sequelize.getQueryInterface().bulkInsert('audit_logs', rows.map(toRecord), { transaction });
    await this.db.sequelize.query('UPDATE audit_chain_head SET last_id = :lastId, hash = :hash WHERE id = 1', {
      replacements: { lastId: last.id, hash: last.hash },
      transaction,
    });
    return rows;
  }

  async head(transaction?: Transaction, lock = ''): Promise<ChainHead> {
    const [head] = await this.db.sequelize.query<HeadRecord>(`SELECT last_id, hash FROM audit_chain_head WHERE id = 1${lock}`, {
      type: QueryTypes.SELECT,
      transaction,
    });
    if (!head) throw new Error('The audit chain head is missing: run the migrations (npm run migrate).');
    return { lastId: Number(head.last_id), hash: head.hash };
  }

  /** Up to `limit` rows with ids above `afterId`, in chain order. */
  async page(afterId: number, limit: number): Promise<ChainedRow[]> {
    const records = await this.db.sequelize.query<RowRecord>(`SELECT ${ROW_COLUMNS} FROM audit_logs WHERE id > :afterId ORDER BY id LIMIT :limit`, {
      replacements: { afterId, limit },
      type: QueryTypes.SELECT,
    });
    return records.map(toChainedRow);
  }

  /**
   * Deletes the rows `archived` holds (consecutive ids) from the database, in one transaction that
   * first reads their ids and hashes there (locked on PostgreSQL) and deletes nothing unless every row
   * still present is the archived one. Rows already gone (a second archiver got there first) are
   * fine: they are in an archive. Resolves to the number of rows deleted.
   */
  async deleteArchived(archived: readonly ChainedRow[]): Promise<number> {
    const first = archived[0];
    const last = archived.at(-1);
    if (!first || !last) return 0;
    const archivedHash = new Map(archived.map((row) => [row.id, row.hash]));
    const range = { replacements: { fromId: first.id, toId: last.id } };
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    return this.db.transaction(async (transaction) => {
      const present = await this.db.sequelize.query<{ id: number | string; hash: string | null }>(
        `SELECT id, hash FROM audit_logs WHERE id BETWEEN :fromId AND :toId ORDER BY id${lock}`,
        { ...range, type: QueryTypes.SELECT, transaction },
      );
      for (const record of present) {
        const id = Number(record.id);
        if (archivedHash.get(id) !== record.hash) throw new AuditArchiveMismatchError(`row ${id} in the database is not the row archived as row ${id}: nothing was deleted`);
      }
      await this.db.sequelize.query('DELETE FROM audit_logs WHERE id BETWEEN :fromId AND :toId', { ...range, transaction });
      return present.length;
    });
  }
}

/** The database no longer holds what was archived: the archiver deletes nothing then. */
export class AuditArchiveMismatchError extends Error {
  override name = 'AuditArchiveMismatchError';
}

function toRecord(row: ChainedRow): Record<string, unknown> {
  return {
    id: row.id,
    session_id: row.sessionId,
    event: row.event,
    outcome: row.outcome,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    metadata: JSON.stringify(row.metadata),
    created_at: row.createdAt,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

/** A row as stored; a missing hash (a row that bypassed the chain) reads as the empty string, which never verifies. */
export function toChainedRow(record: RowRecord): ChainedRow {
  return {
    id: Number(record.id),
    sessionId: record.session_id,
    event: record.event,
    outcome: record.outcome,
    ip: record.ip,
    userAgent: record.user_agent,
    requestId: record.request_id,
    metadata: typeof record.metadata === 'string' ? (JSON.parse(record.metadata) as Record<string, unknown>) : record.metadata,
    createdAt: record.created_at instanceof Date ? record.created_at : new Date(record.created_at),
    prevHash: record.prev_hash ?? '',
    hash: record.hash ?? '',
  };
}
