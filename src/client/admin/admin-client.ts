import { createTRPCClient, createWSClient, httpLink, splitLink, TRPCClientError, wsLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../../server/api/root.js';
import { ADMIN_TOKEN_PARAM } from '../../shared/admin.js';
import { TRPC_PATH } from '../../shared/paths.js';

export type AdminClient = TRPCClient<AppRouter>;

/**
 * The admin page's client: queries over HTTP with the token as a Bearer header, the audit tail over
 * a WebSocket of its own with the token as a connection parameter (a browser cannot set headers on
 * a WebSocket). No cookie is involved: the admin is not a session.
 */
export function createAdminClient(token: string) {
  const url = new URL(TRPC_PATH, location.origin);
  const wsUrl = new URL(url);
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const wsClient = createWSClient({
    url: wsUrl.toString(),
    connectionParams: { [ADMIN_TOKEN_PARAM]: token },
    lazy: { enabled: true, closeMs: 5_000 },
  });
  const client: AdminClient = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpLink({ url: url.toString(), headers: { authorization: `Bearer ${token}` } }),
      }),
    ],
  });
  return { client, close: () => wsClient.close() };
}

/** Whether an error means the token is not (or no longer) accepted: the page asks for it again. */
export function isTokenRefused(error: unknown): boolean {
  return isApiError(error) && error.data?.code === 'UNAUTHORIZED';
}

function isApiError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}

/** A message for the page: the server's own sentence when it answered, never the browser's ("Failed to fetch"). */
export function messageOf(error: unknown): string {
  return isApiError(error) && error.data && error.message ? error.message : 'The server could not be reached. Check your connection and try again.';
}
