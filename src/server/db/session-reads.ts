import type { SessionStatus } from '../../shared/session.js';
import type { Database } from './database.js';
import type { UserSessionAttributes } from './models/user-session.js';

/** A user_sessions row as the driver returns it: times are text on SQLite and Dates on PostgreSQL. */
interface SessionRecord {
  id: string;
  token_hash: string;
  status: SessionStatus;
  created_at: string | Date;
  last_seen_at: string | Date;
  expires_at: string | Date;
  ended_at: string | Date | null;
  replaced_by: string | null;
  version: number | string;
}

const COLUMNS = 'id, token_hash, status, created_at, last_seen_at, expires_at, ended_at, replaced_by, version';

const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));

function toAttributes(record: SessionRecord): UserSessionAttributes {
  return {
    id: record.id,
    tokenHash: record.token_hash,
    status: record.status,
    createdAt: toDate(record.created_at),
    lastSeenAt: toDate(record.last_seen_at),
    expiresAt: toDate(record.expires_at),
    endedAt: record.ended_at === null ? null : toDate(record.ended_at),
    replacedBy: record.replaced_by,
    version: Number(record.version),
  };
}

/**
 * The session reads on every request's path, as one plain primary-key (or unique-key) lookup each:
 * no transaction, no model instance.
 */
export async function findSessionById(db: Database, id: string): Promise<UserSessionAttributes | null> {
  const record = await db.selectOne<SessionRecord>(`SELECT ${COLUMNS} FROM user_sessions WHERE id = $1`, [id]);
  return record ? toAttributes(record) : null;
}

export async function findSessionByTokenHash(db: Database, tokenHash: string): Promise<UserSessionAttributes | null> {
  const record = await db.selectOne<SessionRecord>(`SELECT ${COLUMNS} FROM user_sessions WHERE token_hash = $1`, [tokenHash]);
  return record ? toAttributes(record) : null;
}
