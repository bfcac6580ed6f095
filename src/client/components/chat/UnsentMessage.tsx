import type { OutboxEntry } from '../../outbox/outbox.js';
import { useConnection } from '../../session/index.js';
import { useSecondsLeft } from '../../session/seconds-left.js';
import { AttachmentChip } from './AttachmentChip.js';
import { useOutbox } from './OutboxProvider.js';

/** A message of the outbox, where it will stand in the conversation: pending, or refused with why and what to do. */
export function UnsentMessage({ entry }: { entry: OutboxEntry }) {
  const outbox = useOutbox();
  const { failure } = entry;
  return (
    <li className={`message ${failure ? 'message-failed' : 'message-pending'}`} data-testid={failure ? 'message-failed' : 'message-pending'}>
      <p className="message-text">{entry.text}</p>
      {entry.fileIds.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {entry.fileIds.map((fileId) => (
            <li key={fileId}>
              <AttachmentChip fileId={fileId} />
            </li>
          ))}
        </ul>
      )}
      {failure ? (
        <div className="message-status" role="alert">
          <p>
            {failure.reason}
            {failure.retryAt !== undefined && <> <RetryCountdown until={failure.retryAt} /></>}
          </p>
          <button type="button" className="button button-small" data-testid="message-retry" onClick={() => { outbox.retry(entry.clientMessageId); }}>
            Retry
          </button>
          <button type="button" className="button button-quiet button-small" data-testid="message-delete" onClick={() => { outbox.remove(entry.clientMessageId); }}>
            Delete
          </button>
        </div>
      ) : (
        <PendingNote />
      )}
    </li>
  );
}

function PendingNote() {
  const { status } = useConnection();
  return <p className="message-status">{status === 'offline' ? 'Waiting for the connection: it goes when the server is back.' : 'Sending…'}</p>;
}

function RetryCountdown({ until }: { until: number }) {
  const seconds = useSecondsLeft(until);
  return <span data-testid="message-countdown">{seconds > 0 ? `Trying again in ${seconds} s…` : 'Trying again…'}</span>;
}
