import { useId, useState, type KeyboardEvent } from 'react';
import { CHAT_TEXT_MAX } from '../../../shared/limits.js';
import { useUploads } from '../files/UploadsProvider.js';
import { FilePicker } from '../files/FilePicker.js';
import { AttachmentChip } from './AttachmentChip.js';
import { CloseIcon } from '../icons.js';
import { useSendMessage } from './useSendMessage.js';

const count = new Intl.NumberFormat('en-US');

/**
 * Writes a message: Enter sends, Shift+Enter starts a new line; files picked here travel with it.
 * Sending never waits: the message joins the outbox, which sends it when it can, offline or not.
 */
export function Composer() {
  const send = useSendMessage();
  const { uploadFiles } = useUploads();
  const [text, setText] = useState('');
  const [attachments, setAttachments] = useState<string[]>([]);
  const [uploadsUnderway, setUploadsUnderway] = useState(0);
  const inputId = useId();
  const hintId = useId();
  const counterId = useId();

  const overBy = text.length - CHAT_TEXT_MAX;
  const canSend = text.trim().length > 0 && overBy <= 0 && uploadsUnderway === 0;

  const submit = () => {
    if (!canSend) return;
    // The draft clears at once, so the person can write on; the message shows in the conversation until it is stored.
    send({ text, fileIds: attachments });
    setText('');
    setAttachments([]);
  };

  const attach = async (files: File[]) => {
    setUploadsUnderway((n) => n + 1);
    try {
      const fileIds = await uploadFiles(files);
      setAttachments((current) => [...current, ...fileIds]);
    } finally {
      setUploadsUnderway((n) => n - 1);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an input method composes a word confirms the word; it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };

  return (
    <form className="composer" onSubmit={(event) => { event.preventDefault(); submit(); }}>
      <label htmlFor={inputId} className="visually-hidden">Message</label>
      <textarea
        id={inputId}
        className="composer-input"
        data-testid="chat-input"
        rows={1}
        placeholder="Write a message…"
        value={text}
        aria-describedby={`${hintId} ${counterId}`}
        aria-invalid={overBy > 0}
        onChange={(event) => { setText(event.target.value); }}
        onKeyDown={onKeyDown}
      />
      {attachments.length > 0 && (
        <ul className="draft-attachments" aria-label="Attached to this message">
          {attachments.map((fileId) => (
            <li key={fileId} className="draft-attachment">
              <AttachmentChip fileId={fileId} />
              <button
                type="button"
                className="icon-button"
                aria-label="Do not attach this file"
                title="Do not attach"
                onClick={() => { setAttachments((current) => current.filter((id) => id !== fileId)); }}
              >
                <CloseIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-footer">
        <FilePicker onFiles={(files) => { void attach(files); }} label="Attach" className="button button-quiet button-small" />
        <span id={hintId} className="composer-hint">
          {uploadsUnderway > 0 ? 'Uploading attachments…' : 'Enter sends · Shift+Enter for a new line'}
        </span>
        <span id={counterId} className={`composer-counter${overBy > 0 ? ' is-over' : ''}`} aria-live={overBy > 0 ? 'polite' : 'off'}>
          {overBy > 0 ? `${count.format(overBy)} over the ${count.format(CHAT_TEXT_MAX)}-character limit` : `${count.format(text.length)} / ${count.format(CHAT_TEXT_MAX)}`}
        </span>
        <button type="submit" className="button button-primary" data-testid="chat-send" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  );
}
