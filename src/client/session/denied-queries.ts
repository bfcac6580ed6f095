import type { QueryCache } from '@tanstack/react-query';
import { z } from 'zod';
import { classifyFailure, type SessionEndReason } from '../api/failure.js';

/** tRPC's query key: the procedure's path, then its input; session procedures name the session. */
const sessionQueryKeySchema = z.tuple([z.unknown(), z.object({ input: z.object({ sessionId: z.string() }) })]);

/**
 * Tells `onDenied` when a read is refused because its session ended or is not this browser's:
 * the conversation or the files may learn it before the live subscription does.
 */
export function watchDeniedQueries(cache: QueryCache, onDenied: (sessionId: string, reason: SessionEndReason, message: string) => void): () => void {
  return cache.subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'error') return;
    const key = sessionQueryKeySchema.safeParse(event.query.queryKey);
    const failure = classifyFailure(event.action.error);
    if (key.success && failure.kind === 'session_denied') onDenied(key.data[1].input.sessionId, failure.reason, failure.message);
  });
}
