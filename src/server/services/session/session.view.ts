import type { SessionView } from '../../../shared/session.js';
import type { UserSessionAttributes } from '../../db/models/user-session.js';

export function toSessionView(row: UserSessionAttributes): SessionView {
  return {
    sessionId: row.id,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    version: row.version,
  };
}
