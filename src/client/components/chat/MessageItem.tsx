import { useId, useLayoutEffect, useRef, useState } from 'react';
import type { MessageView } from '../../../shared/chat.js';
import { AttachmentChip } from './AttachmentChip.js';
import { formatTime } from './chat-time.js';

/** Longer than this (characters or lines), a message may be folded to a few lines behind "Show more". */
const FOLD_CHARS = 600;
const FOLD_LINES = 10;

const fullTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

interface Props {
  message: MessageView;
  /** The first of a run of messages sent close together (they sit closer, and share one time). */
  startsRun: boolean;
  /** The last of its run: its time shows. */
  endsRun: boolean;
}

/** Whether the folded text hides something now (its box is shorter than its text), measured before paint. */
function useOverflow(foldable: boolean, expanded: boolean) {
  const ref = useRef<HTMLParagraphElement>(null);
  const [overflowing, setOverflowing] = useState(false);
  useLayoutEffect(() => {
    const text = ref.current;
    if (!foldable || expanded || !text) return;
    const measure = () => { setOverflowing(text.scrollHeight > text.clientHeight + 1); };
    measure();
    // A narrower window may fold what a wide one showed whole.
    const resizes = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(measure);
    resizes?.observe(text);
    return () => { resizes?.disconnect(); };
  }, [foldable, expanded]);
  return { ref, overflowing };
}

export function MessageItem({ message, startsRun, endsRun }: Props) {
  const textId = useId();
  const [expanded, setExpanded] = useState(false);
  const foldable = message.text.length > FOLD_CHARS || message.text.split('\n').length > FOLD_LINES;
  const { ref, overflowing } = useOverflow(foldable, expanded);
  const sentAt = new Date(message.createdAt);
  const classes = ['message', startsRun ? 'starts-run' : '', endsRun ? 'ends-run' : ''].filter(Boolean).join(' ');

  return (
    <li className={classes}>
      <p ref={ref} id={textId} className={`message-text${foldable && !expanded ? ' is-folded' : ''}${overflowing && !expanded ? ' is-overflowing' : ''}`}>
        {message.text}
      </p>
      {foldable && (overflowing || expanded) && (
        <button type="button" className="message-fold" aria-expanded={expanded} aria-controls={textId} onClick={() => { setExpanded((was) => !was); }}>
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
      {message.fileIds.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {message.fileIds.map((fileId) => (
            <li key={fileId}>
              <AttachmentChip fileId={fileId} />
            </li>
          ))}
        </ul>
      )}
      {/* Every message keeps its time for screen readers and on hover; a run shows it once, on its last. */}
      <time className={`message-time${endsRun ? '' : ' visually-hidden'}`} dateTime={message.createdAt} title={fullTime.format(sentAt)}>
        {formatTime(sentAt)}
      </time>
    </li>
  );
}
