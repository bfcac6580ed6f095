import type { SessionEvent } from '../../shared/events.js';
import type { trpc } from '../api/trpc-react.js';
import { withFile, withMessage, withoutFile } from './cache-updates.js';

type QueryUtils = ReturnType<typeof trpc.useUtils>;

/** The TanStack Query caches of one browser tab, as session events change them. */
export interface SessionCaches {
  apply(sessionId: string, event: SessionEvent): void;
  /** Asks the server again for everything events may have missed. */
  refetch(sessionId: string): Promise<void>;
}

export function createSessionCaches(utils: QueryUtils): SessionCaches {
  return {
    apply(sessionId, event) {
      const input = { sessionId };
      switch (event.type) {
        case 'chat.message':
          utils.chat.list.setInfiniteData(input, (pages) => withMessage(pages, event.message));
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
    async refetch(sessionId) {
      await Promise.all([utils.chat.list.invalidate({ sessionId }), utils.files.list.invalidate({ sessionId })]);
    },
  };
}
