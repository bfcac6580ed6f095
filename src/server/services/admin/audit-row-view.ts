import type { AuditRowView } from '../../../shared/admin.js';
import type { AuditOutcome } from '../../db/models/audit-log.js';
import type { ChainedRow } from '../audit/audit-chain.js';

/** What the admin sees of a row (a model instance and a chained row both have it): all but the hashes. */
export type AuditRowFields = Omit<ChainedRow, 'prevHash' | 'hash'>;

const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'refused'];

export function toAuditRowView(row: AuditRowFields): AuditRowView {
  return {
    // PostgreSQL hands a BIGINT back as text, whatever the model's type says.
    id: Number(String(row.id)),
    sessionId: row.sessionId,
    event: row.event,
    outcome: OUTCOMES.find((known) => known === row.outcome) ?? 'failure',
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    metadata: row.metadata,
    createdAt: row.createdAt.toISOString(),
  };
}
