import { useMemo } from 'react';
import { trpc } from '../../api/trpc-react.js';
import { useSessionUUID } from '../../session/index.js';
import type { MessageView } from '../../../shared/chat.js';

/**
 * The session's conversation, oldest message first. Pages arrive newest first (each page in
 * order), and older ones are fetched as the person scrolls up.
 */
export function useConversation() {
  const sessionId = useSessionUUID();
  const query = trpc.chat.list.useInfiniteQuery({ sessionId }, { getNextPageParam: (page) => page.nextCursor });
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
