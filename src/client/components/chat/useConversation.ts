import { useMemo } from 'react';
import { replaceEqualDeep } from '@tanstack/react-query';
import { trpc } from '../../api/trpc-react.js';
import { useSessionUUID } from '../../session/index.js';
import { withLaterMessages, type ChatPages } from '../../session/cache-updates.js';
import type { MessageView } from '../../../shared/chat.js';

/**
 * The session's conversation, oldest message first. Pages arrive newest first (each page in
 * order), and older ones are fetched as the person scrolls up.
 */
export function useConversation() {
  const sessionId = useSessionUUID();
  const query = trpc.chat.list.useInfiniteQuery(
    { sessionId },
    {
      getNextPageParam: (page) => page.nextCursor,
      // A refetch (after a reconnect) may land after messages that arrived while it ran: they stay.
      structuralSharing: (previous, fetched) => replaceEqualDeep(previous, withLaterMessages(previous as ChatPages | undefined, fetched as ChatPages)),
    },
  );
  const messages = useMemo<MessageView[]>(
    () => (query.data ? [...query.data.pages].reverse().flatMap((page) => page.messages) : []),
    [query.data],
  );
  return {
    messages,
    isLoading: query.isPending,
    error: query.error,
    refetch: query.refetch,
    hasOlder: query.hasNextPage,
    isLoadingOlder: query.isFetchingNextPage,
    loadOlder: query.fetchNextPage,
  };
}
