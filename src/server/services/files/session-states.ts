import { QueryTypes } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { SessionStatus } from '../../../shared/session.js';
import { isUuid } from '../../storage/keys.js';

/** What the cleanup needs to know of a session: whether it ended, and when. */
export interface SessionState {
  status: SessionStatus;
  endedAt: Date | null;
}

/** A user_sessions row as the driver returns it: times are text on SQLite and Dates on PostgreSQL. */
interface StateRecord {
  id: string;
  status: SessionStatus;
  ended_at: string | Date | null;
}

/**
 * The states of the sessions `ids` names (nulls and non-UUIDs are skipped: no session has them), in
 * one plain query: no model instances, since a cleanup reads thousands at a time.
 */
export async function readSessionStates(db: Database, ids: readonly (string | null)[]): Promise<Map<string, SessionState>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null && isUuid(id)))];
  const states = new Map<string, SessionState>();
  if (wanted.length === 0) return states;
  const records = await db.sequelize.query<StateRecord>('SELECT id, status, ended_at FROM user_sessions WHERE id IN (:ids)', {
    replacements: { ids: wanted },
    type: QueryTypes.SELECT,
  });
  for (const record of records) {
    const endedAt = record.ended_at === null ? null : record.ended_at instanceof Date ? record.ended_at : new Date(record.ended_at);
    states.set(record.id, { status: record.status, endedAt });
  }
  return states;
}

/** Whether the session ended at or before `cutoff` (ms since the epoch); an active session never did. */
export function endedBy(state: SessionState | undefined, cutoff: number): boolean {
  return state !== undefined && state.status !== 'active' && state.endedAt !== null && state.endedAt.getTime() <= cutoff;
}
