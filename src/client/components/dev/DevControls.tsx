import { useState } from 'react';
import { toast } from 'react-hot-toast';
import { useConnection, useSessionActions, useSessionState, useSessionUUID } from '../../session/index.js';
import { CopyButton } from '../CopyButton.js';
import { EventLog } from './EventLog.js';

/** What a developer needs to see and poke while working on sync; built in only with VITE_DEV_CONTROLS=true. */
export function DevControls() {
  const sessionId = useSessionUUID();
  const state = useSessionState();
  const { status, isLeader, lastEventId } = useConnection();
  const actions = useSessionActions();
  const [simulatingOffline, setSimulatingOffline] = useState(false);
  const version = state.status === 'active' || state.status === 'resetting' ? state.session.version : null;

  const toggleOffline = () => {
    const offline = !simulatingOffline;
    setSimulatingOffline(offline);
    actions.setSimulatedOffline(offline);
    toast(offline ? 'Simulating offline: this tab ignores the server' : 'Back online');
  };

  return (
    <details className="panel dev-controls" data-testid="dev-controls">
      <summary>Developer controls</summary>
      <dl className="dev-facts">
        <dt>Session id</dt>
        <dd className="dev-copyable">
          <code>{sessionId}</code>
          <CopyButton value={sessionId} what="Session id" />
        </dd>
        <dt>Version</dt>
        <dd className="dev-copyable">
          <code>{version ?? '—'}</code>
          {version !== null && <CopyButton value={String(version)} what="Session version" />}
        </dd>
        <dt>Connection</dt>
        <dd>{status}</dd>
        <dt>This tab</dt>
        <dd>{isLeader ? 'Leader: holds the WebSocket' : 'Follower: gets events from the leader'}</dd>
        <dt>Last event id</dt>
        <dd><code>{lastEventId ?? 'none yet'}</code></dd>
      </dl>
      <div className="dev-actions">
        <button type="button" className="button button-small" onClick={() => { actions.reconnect(); toast('Reconnecting…'); }}>
          Force reconnect
        </button>
        <button type="button" className="button button-small" aria-pressed={simulatingOffline} onClick={toggleOffline}>
          Simulate offline
        </button>
      </div>
      <EventLog />
    </details>
  );
}
