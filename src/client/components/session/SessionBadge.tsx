import { useSessionUUID } from '../../session/index.js';
import { CopyButton } from '../CopyButton.js';

/** The session's id, which names it in support requests and logs, with a way to copy it. */
export function SessionBadge() {
  const sessionId = useSessionUUID();
  return (
    <div className="session-badge">
      <span className="session-badge-label">Session</span>
      <code className="session-id" data-testid="session-id" title={sessionId}>
        {sessionId}
      </code>
      <CopyButton value={sessionId} what="Session id" />
    </div>
  );
}
