import type { ChainedRow } from '../services/audit/audit-chain.js';
import type { AuditObserver } from '../services/audit/audit.service.js';
import type { AppMetrics } from './app-metrics.js';

/** Audit events that are refusals, and the `reason` label each counts under. */
const REFUSALS: Record<string, string> = {
  'rate_limit.exceeded': 'rate_limit',
  'origin.rejected': 'origin',
  'admin.auth_failed': 'admin_auth',
};

/** The numbers of a cleanup report that are objects deleted from the store. */
const CLEANED_FIELDS = ['endedSessionObjects', 'unknownSessionObjects', 'stagingObjects'] as const;

/**
 * Reads the metrics off the audit log as it commits: every session event, refusal and cleanup is
 * audited already, so one seam counts them all and a new caller cannot forget a counter.
 */
export function auditMetricsObserver(metrics: AppMetrics): AuditObserver {
  return (rows) => {
    metrics.auditBatchSize.observe(rows.length);
    for (const row of rows) count(metrics, row);
  };
}

function count(metrics: AppMetrics, row: ChainedRow): void {
  metrics.auditRows.inc({ event: row.event });
  if (row.event.startsWith('session.')) metrics.sessionEvents.inc({ event: row.event.slice('session.'.length) });
  const reason = REFUSALS[row.event];
  if (reason) metrics.refusals.inc({ reason });
  if (row.event === 'cleanup.completed') {
    const cleaned = CLEANED_FIELDS.reduce((sum, field) => sum + numberOr0(row.metadata[field]), 0);
    metrics.objectsCleaned.inc(cleaned);
  }
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
