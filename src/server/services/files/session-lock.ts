import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';

/**
 * Holds the session's row until `transaction` ends (PostgreSQL; SQLite has one writer anyway):
 * quota checks, the upload job's final check and a reset's status change then happen one after
 * the other.
 */
export async function lockSession(db: Database, sessionId: string, transaction: Transaction): Promise<void> {
  await db.models.UserSession.findByPk(sessionId, { attributes: ['id'], lock: transaction.LOCK.UPDATE, transaction });
}
