import { useSessionState } from '../../session/index.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { SessionBadge } from './SessionBadge.js';
import { ResetSessionControl } from './ResetSessionControl.js';

/** The app's bar: the brand, the connection, and — once there is one — the session and its reset. */
export function TopBar() {
  const state = useSessionState();
  const hasSession = state.status === 'active' || state.status === 'resetting';
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Tabsync</span>
        </div>
        <ConnectionIndicator />
        {hasSession && (
          <div className="topbar-session">
            <SessionBadge />
            <ResetSessionControl />
          </div>
        )}
      </div>
    </header>
  );
}
