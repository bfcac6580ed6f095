import { useEffect } from 'react';
import type { AdminClient } from './admin-client.js';
import { isTokenRefused, messageOf } from './admin-client.js';
import { AuditTailPanel } from './AuditTailPanel.js';
import { QueuesPanel } from './QueuesPanel.js';
import { RefusalsPanel } from './RefusalsPanel.js';
import { SessionsPanel } from './SessionsPanel.js';
import { useAuditTail } from './useAuditTail.js';
import { useOverview } from './useOverview.js';

interface AdminDashboardProps {
  client: AdminClient;
  /** The server refused the token: ask for it again, with the server's words. */
  onRefused: (message: string) => void;
  onSignOut: () => void;
}

/** The admin page proper: the live audit log beside the overview's numbers. */
export function AdminDashboard({ client, onRefused, onSignOut }: AdminDashboardProps) {
  const { overview, error: overviewError } = useOverview(client);
  const tail = useAuditTail(client);
  const refused = [overviewError, tail.error].find(isTokenRefused);
  useEffect(() => {
    if (refused) onRefused(messageOf(refused));
  }, [refused, onRefused]);
  const problem = overviewError ?? tail.error;

  return (
    <div className="admin-page">
      <header className="admin-topbar">
        <h1>Tabsync admin</h1>
        <button type="button" className="admin-button admin-button-quiet" onClick={onSignOut} data-testid="admin-sign-out">
          Sign out
        </button>
      </header>
      {problem !== null && !refused && <p className="admin-error" role="alert">{messageOf(problem)}</p>}
      <main className="admin-grid">
        <AuditTailPanel tail={tail} />
        <div className="admin-side">
          {overview ? (
            <>
              <SessionsPanel sessions={overview.sessions} />
              <RefusalsPanel minutes={overview.refusalsPerMinute} />
              <QueuesPanel overview={overview} />
            </>
          ) : (
            <p className="admin-card admin-muted">Loading the overview…</p>
          )}
        </div>
      </main>
    </div>
  );
}
