import { useMemo } from 'react';
import { trpc } from '../../api/trpc-react.js';
import { useSessionUUID } from '../../session/index.js';
import type { FileView } from '../../../shared/files.js';
import { KEPT_CURRENT_BY_EVENTS } from '../live-query.js';

/** The session's files, newest first; the session layer keeps this cache current from every tab's events. */
export function useSessionFiles() {
  const sessionId = useSessionUUID();
  const query = trpc.files.list.useQuery({ sessionId }, KEPT_CURRENT_BY_EVENTS);
  const files = useMemo<FileView[]>(
    () => (query.data ?? []).filter((file) => file.status !== 'deleted').sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [query.data],
  );
  return { files, isLoading: query.isPending, error: query.error, refetch: query.refetch };
}
