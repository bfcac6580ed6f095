import { useState } from 'react';
import { outboxKey, readOutbox, type OutboxEntry } from '../../outbox/outbox.js';
import { useSessionState } from '../../session/index.js';
import { createStoredValue } from '../../session/session-id-store.js';

/**
 * Shown while the session is found or made (also while a 429 is waited out, told by a toast
 * counting down): the app's own layout with placeholders where the conversation, the composer and
 * the files will be, so the page reads as the app on its way and does not jump when it arrives.
 * While the server does not answer, the conversation says so instead of a placeholder that never
 * fills. Messages the stored session still has to send show where they will stand.
 */
export function LoadingScreen() {
  const state = useSessionState();
  const resuming = state.status === 'loading' ? state.resuming : undefined;
  const unreachable = state.status === 'loading' && state.unreachable === true;
  return (
    <div className="workspace" aria-busy="true" data-testid="app-skeleton">
      <p className="visually-hidden" role="status">{unreachable ? 'Tabsync cannot be reached yet: still trying.' : 'Opening your session…'}</p>
      <section className="panel chat-panel">
        <div className="panel-header" aria-hidden="true">
          <h2>Conversation</h2>
          <p className="panel-hint">Shared live by every tab of this browser</p>
        </div>
        <div className="message-list">
          {unreachable ? (
            <div className="list-notice" data-testid="unreachable">
              <p className="empty-title">Tabsync cannot be reached</p>
              <p>This tab keeps trying, and opens your session as soon as the server answers.</p>
            </div>
          ) : (
            <div className="messages-loading" aria-hidden="true">
              <span className="skeleton skeleton-line" />
              <span className="skeleton skeleton-line short" />
              <span className="skeleton skeleton-line" />
            </div>
          )}
          {resuming && <WaitingMessages sessionId={resuming} />}
        </div>
        <div className="composer" aria-hidden="true">
          <span className="skeleton skeleton-line" />
        </div>
      </section>
      <aside className="sidebar" aria-hidden="true">
        <section className="panel files-panel">
          <div className="panel-header">
            <h2>Files</h2>
          </div>
          <div className="drop-zone">
            <span className="skeleton skeleton-line short" />
          </div>
        </section>
      </aside>
    </div>
  );
}

/** The session's unsent messages, as they were when the page opened; they go once the session is open. */
function WaitingMessages({ sessionId }: { sessionId: string }) {
  const [entries] = useState<OutboxEntry[]>(() => readOutbox(createStoredValue(outboxKey(sessionId))));
  if (entries.length === 0) return null;
  return (
    <ol className="messages" aria-label="Messages waiting to be sent">
      {entries.map((entry) => (
        <li key={entry.clientMessageId} className={`message ${entry.failure ? 'message-failed' : 'message-pending'}`} data-testid={entry.failure ? 'message-failed' : 'message-pending'}>
          <p className="message-text">{entry.text}</p>
          <p className="message-status">{entry.failure?.reason ?? 'Waiting to be sent: it goes once your session is open.'}</p>
        </li>
      ))}
    </ol>
  );
}
