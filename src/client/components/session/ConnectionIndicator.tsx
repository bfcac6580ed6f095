import { useConnection } from '../../session/index.js';

const DESCRIPTIONS = {
  connected: 'Live: changes from your other tabs arrive at once.',
  connecting: 'Connecting to the server…',
  offline: 'Offline: changes will arrive when the connection is back.',
} as const;

/** The live connection's state, in the exact word the session layer reports. */
export function ConnectionIndicator() {
  const { status } = useConnection();
  return (
    <p className={`connection connection-${status}`} role="status" title={DESCRIPTIONS[status]}>
      <span className="visually-hidden">Connection: </span>
      <span data-testid="connection-status">{status}</span>
    </p>
  );
}
