import type { MessageView } from '../../shared/chat.js';
import type { SessionEvent } from '../../shared/events.js';
import type { trpc } from '../api/trpc-react.js';
import { withFile, withMessage, withoutFile } from './cache-updates.js';

type QueryUtils = ReturnType<typeof trpc.useUtils>;

/** The TanStack Query caches of one browser tab, as session events and the answers to sends change them. */
export interface SessionCaches {
  apply(sessionId: string, event: SessionEvent): void;
  /**
   * Puts a stored message in its conversation, once. The sending tab hears of its message twice
   * (the answer to `chat.send`, then the `chat.message` event, in either order); whichever comes
   * second finds it there and writes nothing.
   */
  addMessage(message: MessageView): void;
  /** Asks the server again for everything events may have missed. */
  refetch(sessionId: string): Promise<void>;
}

export function createSessionCaches(utils: QueryUtils): SessionCaches {
  const addMessage = (message: MessageView): void => {
    const input = { sessionId: message.sessionId };
    const pages = utils.chat.list.getInfiniteData(input);
    const next = withMessage(pages, message);
    // Unchanged (held already, or never fetched): a write would still wake every reader of the conversation.
    if (next !== pages) utils.chat.list.setInfiniteData(input, next);
  };
  return {
    apply(sessionId, event) {
      const input = { sessionId };
      switch (event.type) {
        case 'chat.message':
          addMessage(event.message);
          break;
        case 'file.added':
        case 'file.stored':
        case 'file.failed':
          utils.files.list.setData(input, (files) => withFile(files, event.file));
          break;
        case 'file.removed':
          utils.files.list.setData(input, (files) => withoutFile(files, event.fileId));
          break;
        default:
          // Session events change the session's state, not these caches.
          break;
      }
    },
    addMessage,
    async refetch(sessionId) {
      await Promise.all([utils.chat.list.invalidate({ sessionId }), utils.files.list.invalidate({ sessionId })]);
    },
  };
}
