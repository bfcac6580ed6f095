import type { ApiClient } from '../api/trpc-client.js';

/** The procedures the session layer calls: the typed client, or a test's client of a fake server. */
export interface SessionApi {
  session: Pick<ApiClient['session'], 'validate' | 'current' | 'generate' | 'reset'>;
}
