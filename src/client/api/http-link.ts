import { httpBatchLink, httpLink, splitLink } from '@trpc/client';
import type { AppRouter } from '../../server/api/root.js';
import { TRPC_MAX_BATCH } from '../../shared/limits.js';
import { TRPC_PATH } from '../../shared/paths.js';

export interface HttpLinkOptions {
  /** The app's origin; the page's own by default. */
  baseUrl?: string;
  /** Another fetch (a test's fake server); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

/**
 * A call made with this context outlives its page: it is sent alone with `keepalive`, so that a tab
 * closing (pagehide) still finishes it, e.g. a removal whose Undo window the closing cut short.
 */
export const KEEPALIVE_CONTEXT = { keepalive: true } as const;

/** Queries and mutations, batched over HTTP with the browser's cookie (the session credential). */
export function createHttpLink(options: HttpLinkOptions = {}) {
  const url = new URL(TRPC_PATH, options.baseUrl ?? globalThis.location.origin).toString();
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  return splitLink<AppRouter>({
    condition: (op) => op.context.keepalive === true,
    true: httpLink({ url, fetch: (target, init) => fetchImpl(target, { ...init, credentials: 'include', keepalive: true }) }),
    false: httpBatchLink({
      url,
      // The server refuses a bigger batch with a 400; more calls at once go out as several requests.
      maxItems: TRPC_MAX_BATCH,
      fetch: (target, init) => fetchImpl(target, { ...init, credentials: 'include' }),
    }),
  });
}
