import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { AuditOutcome } from '../../db/models/audit-log.js';
import type { Actor, Clock } from '../actor.js';

export type AuditEvent =
  | 'session.generated'
  | 'session.validated'
  | 'session.validation_failed'
  | 'session.reset'
  | 'session.expired'
  | 'rate_limit.exceeded'
  | 'origin.rejected'
  | 'file.uploaded'
  | 'file.rejected'
  | 'file.removed'
  | 'file.deleted'
  | 'cleanup.completed';

export interface AuditEntry {
  event: AuditEvent;
  outcome: AuditOutcome;
  sessionId?: string | null;
  actor: Actor;
  /** Facts about the event; never a credential, cookie or header dump. */
  metadata?: Record<string, string | number | boolean | null>;
}

const MAX_USER_AGENT = 512;

export class AuditService {
  constructor(private readonly deps: { db: Database; clock: Clock }) {}

  /** Writes one row; pass the transaction of the change it records so both commit together. */
  async record(entry: AuditEntry, transaction?: Transaction): Promise<void> {
    const { AuditLog } = this.deps.db.models;
    const write = (t: Transaction) =>
      AuditLog.create(
        {
          event: entry.event,
          outcome: entry.outcome,
          sessionId: entry.sessionId ?? null,
          ip: entry.actor.ip,
          userAgent: entry.actor.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
          requestId: entry.actor.requestId,
          metadata: entry.metadata ?? {},
          createdAt: this.deps.clock(),
        },
        { transaction: t },
      );
    if (transaction) await write(transaction);
    else await this.deps.db.transaction(write);
  }

  /** The rows of one session, oldest first. */
  async forSession(sessionId: string) {
    return this.deps.db.models.AuditLog.findAll({ where: { sessionId }, order: [['id', 'ASC']] });
  }
}
