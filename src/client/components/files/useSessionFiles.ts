import { useMemo } from 'react';
import { trpc } from '../../api/trpc-react.js';
import { useSessionUUID } from '../../session/index.js';
import type { FileView } from '../../../shared/files.js';

/** The session's files, newest first; the session layer keeps this cache current from every tab's events. */
export function useSessionFiles() {
  const sessionId = useSessionUUID();
  const query = trpc.files.list.useQuery({ sessionId });
  const files = useMemo<FileView[]>(
    () => (query.data ?? []).filter((file) => file.status !== 'deleted').sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [query.data],
  );
  return { files, isLoading: query.isPending, error: query.error, refetch: query.refetch };
}
