import { ConnectionIndicator } from './ConnectionIndicator.js';
import { SessionMenu } from './SessionMenu.js';

/** The app's bar, one row on any screen: the brand (the page's heading), the connection, and the session's menu. */
export function TopBar() {
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <h1 className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Tabsync</span>
        </h1>
        <ConnectionIndicator />
        <SessionMenu />
      </div>
    </header>
  );
}
