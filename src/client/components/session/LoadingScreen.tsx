import { useState } from 'react';
import { outboxKey, readOutbox, type OutboxEntry } from '../../outbox/outbox.js';
import { useSessionState } from '../../session/index.js';
import { createStoredValue } from '../../session/session-id-store.js';

/**
 * Shown while the session is found or made (also while a 429 is waited out, told by a toast
 * counting down): the app's own layout with placeholders where the conversation, the composer and
 * the files will be, so the page reads as the app on its way and does not jump when it arrives.
 * Messages the stored session still has to send show where they will stand.
 */
export function LoadingScreen() {
  const state = useSessionState();
  const resuming = state.status === 'loading' ? state.resuming : undefined;
  return (
    <div className="workspace" aria-busy="true" data-testid="app-skeleton">
      <p className="visually-hidden" role="status">Opening your session…</p>
      <section className="panel chat-panel">
        <div className="panel-header" aria-hidden="true">
          <h2>Conversation</h2>
          <p className="panel-hint">Shared live by every tab of this browser</p>
        </div>
        <div className="message-list">
          <div className="messages-loading" aria-hidden="true">
            <span className="skeleton skeleton-line" />
            <span className="skeleton skeleton-line short" />
            <span className="skeleton skeleton-line" />
          </div>
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
