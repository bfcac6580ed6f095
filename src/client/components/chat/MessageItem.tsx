import type { MessageView } from '../../../shared/chat.js';
import { AttachmentChip } from './AttachmentChip.js';

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Today's messages need only the time; older ones say the day too. */
function formatSentAt(iso: string): string {
  const sentAt = new Date(iso);
  return sentAt.toDateString() === new Date().toDateString() ? timeOfDay.format(sentAt) : dateAndTime.format(sentAt);
}

export function MessageItem({ message }: { message: MessageView }) {
  return (
    <li className="message">
      <p className="message-text">{message.text}</p>
      {message.fileIds.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {message.fileIds.map((fileId) => (
            <li key={fileId}>
              <AttachmentChip fileId={fileId} />
            </li>
          ))}
        </ul>
      )}
      <time className="message-time" dateTime={message.createdAt}>
        {formatSentAt(message.createdAt)}
      </time>
    </li>
  );
}
