import type { AuditEntry, AuditService } from './audit.service.js';

/**
 * Lets through one audit row per client, event and window, so that a client hammering a refusal
 * cannot flood the audit log with it. One per process, in Redis (security/create-refusal-audit-gate.ts),
 * handed to every surface that refuses.
 */
export interface RefusalAuditGate {
  /** True for the first refusal of `event` by `client` (an address, or `session:<id>`) in its window. */
  shouldRecord(event: string, client: string): Promise<boolean>;
}

/** What records a refusal: the gate and the audit log behind it. */
export interface RefusalAudit {
  refusalGate: RefusalAuditGate;
  audit: Pick<AuditService, 'record'>;
}

/** Records a refusal once per client, event and window; the row is durable when this resolves. */
export async function auditRefusal({ refusalGate, audit }: RefusalAudit, client: string, entry: AuditEntry): Promise<void> {
  if (await refusalGate.shouldRecord(entry.event, client)) await audit.record(entry);
}
