import type { AuditTailState } from './useAuditTail.js';

const STATUS_TEXT = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;

/** The audit log as it is written, newest first. */
export function AuditTailPanel({ tail }: { tail: AuditTailState }) {
  return (
    <section className="admin-card admin-tail" aria-labelledby="admin-tail-title">
      <div className="admin-card-head">
        <h2 id="admin-tail-title">Audit log</h2>
        <span className={`admin-status admin-status-${tail.status}`} data-testid="admin-tail-status">{STATUS_TEXT[tail.status]}</span>
      </div>
      <div className="admin-table-scroll">
        <table className="admin-table" data-testid="admin-audit-tail">
          <thead>
            <tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">Session</th><th scope="col">IP</th></tr>
          </thead>
          <tbody aria-live="polite">
            {tail.rows.map((row) => (
              <tr key={row.id} data-testid="audit-row" data-session-id={row.sessionId ?? ''} data-event={row.event}>
                <td><time dateTime={row.createdAt}>{new Date(row.createdAt).toLocaleTimeString()}</time></td>
                <td><code>{row.event}</code></td>
                <td><span className={`admin-outcome admin-outcome-${row.outcome}`}>{row.outcome}</span></td>
                <td className="admin-mono">{row.sessionId ?? '—'}</td>
                <td className="admin-mono">{row.ip ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {tail.rows.length === 0 && <p className="admin-muted">No audit rows yet.</p>}
      </div>
    </section>
  );
}
