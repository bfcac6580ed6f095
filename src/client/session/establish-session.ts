import { validate as isUuid } from 'uuid';
import type { SessionView } from '../../shared/session.js';
import type { SessionEndReason } from '../api/failure.js';
import { withRetries, type RetryOptions } from '../api/retry.js';
import type { SessionApi } from './session-api.js';
import type { SessionIdStore } from './session-id-store.js';

export interface EstablishedSession {
  session: SessionView;
  /** Set when the stored session could not be resumed and this one replaced it. */
  replaced?: SessionEndReason;
}

/**
 * The session a tab opens in: the stored one if the server still honours it; else the one this
 * browser's cookie holds (another tab's, or one whose id storage lost); only then a new one.
 */
export async function establishSession(api: SessionApi, store: SessionIdStore, retry: RetryOptions): Promise<EstablishedSession> {
  const storedId = store.read();
  if (storedId !== null && !isUuid(storedId.trim())) {
    // Something else wrote the key: no session has such an id, and the server would refuse to ask.
    return { session: await withRetries(() => api.session.generate.mutate(), retry), replaced: 'not_found' };
  }
  if (storedId !== null) {
    const result = await withRetries(() => api.session.validate.mutate({ sessionId: storedId }), retry);
    if (result.valid) return { session: result.session };
    return { session: await withRetries(() => api.session.generate.mutate(), retry), replaced: result.reason };
  }
  const current = await withRetries(() => api.session.current.query(), retry);
  if (current?.status === 'active') return { session: current };
  return { session: await withRetries(() => api.session.generate.mutate(), retry) };
}
