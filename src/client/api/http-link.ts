import { httpBatchLink } from '@trpc/client';
import type { AppRouter } from '../../server/api/root.js';
import { TRPC_MAX_BATCH } from '../../shared/limits.js';
import { TRPC_PATH } from '../../shared/paths.js';

export interface HttpLinkOptions {
  /** The app's origin; the page's own by default. */
  baseUrl?: string;
  /** Another fetch (a test's fake server); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

/** Queries and mutations, batched over HTTP with the browser's cookie (the session credential). */
export function createHttpLink(options: HttpLinkOptions = {}) {
  const baseUrl = options.baseUrl ?? globalThis.location.origin;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  return httpBatchLink<AppRouter>({
    url: new URL(TRPC_PATH, baseUrl).toString(),
    // The server refuses a bigger batch with a 400; more calls at once go out as several requests.
    maxItems: TRPC_MAX_BATCH,
    fetch: (url, init) => fetchImpl(url, { ...init, credentials: 'include' }),
  });
}
