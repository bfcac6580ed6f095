import type { QueryCache } from '@tanstack/react-query';
import { classifyFailure, type SessionEndReason } from '../api/failure.js';

/** tRPC's query key: the procedure's path, then `{ input }`; session procedures name the session there. */
function sessionIdOf(queryKey: unknown): string | undefined {
  const options: unknown = Array.isArray(queryKey) ? queryKey[1] : undefined;
  const input: unknown = typeof options === 'object' && options !== null && 'input' in options ? options.input : undefined;
  const sessionId: unknown = typeof input === 'object' && input !== null && 'sessionId' in input ? input.sessionId : undefined;
  return typeof sessionId === 'string' ? sessionId : undefined;
}

/**
 * Tells `onDenied` when a read is refused because its session ended or is not this browser's:
 * the conversation or the files may learn it before the live subscription does.
 */
export function watchDeniedQueries(cache: QueryCache, onDenied: (sessionId: string, reason: SessionEndReason, message: string) => void): () => void {
  return cache.subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'error') return;
    const sessionId = sessionIdOf(event.query.queryKey as unknown);
    const failure = classifyFailure(event.action.error);
    if (sessionId !== undefined && failure.kind === 'session_denied') onDenied(sessionId, failure.reason, failure.message);
  });
}
