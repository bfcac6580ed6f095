import { useEffect, useLayoutEffect, useMemo, useRef, type UIEvent } from 'react';
import { useConversation } from './useConversation.js';
import { MessageItem } from './MessageItem.js';
import { formatDay, groupConversation } from './chat-time.js';
import { UnsentMessage } from './UnsentMessage.js';
import { useUnsentMessages } from './useSendMessage.js';
import { useToastShown } from '../useToastShown.js';
import { describeFailure } from '../../api/failure.js';

/** How close to an edge (px) counts as "at" it: at the top older messages load, at the bottom new ones stay in view. */
const EDGE_PX = 120;

/**
 * The conversation, scrolled like a chat: newest at the bottom, older pages loading as you scroll
 * up; by day, and within a day in runs of messages sent close together. Messages still in the
 * outbox (pending, or refused with a reason) follow the stored ones.
 */
export function MessageList() {
  const { messages, isLoading, error, refetch, hasOlder, isLoadingOlder, loadOlder } = useConversation();
  const listRef = useRef<HTMLDivElement>(null);
  const distanceFromBottom = useRef(0);
  const renderedFirstId = useRef<string | undefined>(undefined);
  const unsent = useUnsentMessages(messages);
  const firstId = messages[0]?.messageId;
  const days = useMemo(() => groupConversation(messages), [messages]);
  const toastShown = useToastShown();

  // Runs before paint, so the view never flickers: a person at the bottom sees each new message,
  // also above the room a toast takes; one reading older messages stays on the same line while a
  // page is added above it.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const olderAdded = renderedFirstId.current !== undefined && renderedFirstId.current !== firstId;
    renderedFirstId.current = firstId;
    if (distanceFromBottom.current < EDGE_PX) list.scrollTop = list.scrollHeight;
    else if (olderAdded) list.scrollTop = list.scrollHeight - list.clientHeight - distanceFromBottom.current;
  }, [messages, unsent, firstId, toastShown]);

  // The list's own height changes too (a draft growing in the composer, a window resized, a phone's
  // keyboard): one that was at the bottom stays there, so the newest message is never hidden.
  useEffect(() => {
    const list = listRef.current;
    if (!list || typeof ResizeObserver === 'undefined') return;
    const resizes = new ResizeObserver(() => {
      if (distanceFromBottom.current < EDGE_PX) list.scrollTop = list.scrollHeight;
    });
    resizes.observe(list);
    return () => { resizes.disconnect(); };
  }, []);

  const onScroll = (event: UIEvent<HTMLDivElement>) => {
    const list = event.currentTarget;
    distanceFromBottom.current = list.scrollHeight - list.scrollTop - list.clientHeight;
    if (list.scrollTop < EDGE_PX && hasOlder && !isLoadingOlder) void loadOlder();
  };

  return (
    <div
      ref={listRef}
      className={toastShown ? 'message-list message-list-under-toast' : 'message-list'}
      data-testid="message-list"
      role="log"
      aria-label="Conversation"
      aria-busy={isLoading || isLoadingOlder}
      tabIndex={0}
      onScroll={onScroll}
    >
      {hasOlder && (
        <button type="button" className="button button-quiet load-older" disabled={isLoadingOlder} onClick={() => { void loadOlder(); }}>
          {isLoadingOlder ? 'Loading older messages…' : 'Load older messages'}
        </button>
      )}
      {isLoading && <MessagesLoading />}
      {error && (
        <div className="list-notice" role="alert">
          <p>The conversation could not be loaded: {describeFailure(error)}</p>
          <button type="button" className="button" onClick={() => { void refetch(); }}>Try again</button>
        </div>
      )}
      {!isLoading && !error && messages.length === 0 && unsent.length === 0 && (
        <div className="list-notice empty-conversation">
          <p className="empty-title">No messages yet</p>
          <p>Write something below: every tab of this browser sees it at once.</p>
        </div>
      )}
      {days.length > 0 && (
        <ol className="days">
          {days.map((day) => (
            <li key={day.key} className="day">
              <h3 className="day-label">
                <time dateTime={day.key}>{formatDay(day.date, new Date())}</time>
              </h3>
              <ol className="messages">
                {day.messages.map(({ message, startsRun, endsRun }) => (
                  <MessageItem key={message.messageId} message={message} startsRun={startsRun} endsRun={endsRun} />
                ))}
              </ol>
            </li>
          ))}
        </ol>
      )}
      {unsent.length > 0 && (
        <ol className="messages unsent-messages">
          {unsent.map((entry) => <UnsentMessage key={entry.clientMessageId} entry={entry} />)}
        </ol>
      )}
    </div>
  );
}

function MessagesLoading() {
  return (
    <div className="messages-loading" aria-hidden="true">
      <span className="skeleton skeleton-line" />
      <span className="skeleton skeleton-line short" />
      <span className="skeleton skeleton-line" />
    </div>
  );
}
