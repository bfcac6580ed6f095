import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../../server/api/root.js';
import { reconnectDelayMs } from './backoff.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'offline';
export type ApiClient = TRPCClient<AppRouter>;

export interface ApiClientOptions {
  /** The app's origin; the page's own by default. */
  baseUrl?: string;
  onStatus?: (status: ConnectionStatus) => void;
  /** A WebSocket implementation for runtimes without one (tests in Node). */
  WebSocket?: typeof globalThis.WebSocket;
}

function wsUrlOf(baseUrl: string): string {
  const url = new URL('/api/trpc', baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * The typed client: subscriptions over one WebSocket, everything else batched over HTTP with the
 * cookie. The socket opens only when something subscribes (so follower tabs never open one), and
 * reconnects with backoff; tRPC resumes each subscription from the last tracked event id.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? globalThis.location.origin;
  const wsClient = createWSClient({
    url: wsUrlOf(baseUrl),
    WebSocket: options.WebSocket,
    lazy: { enabled: true, closeMs: 5_000 },
    retryDelayMs: reconnectDelayMs,
    keepAlive: { enabled: true, intervalMs: 20_000, pongTimeoutMs: 5_000 },
    onOpen: () => options.onStatus?.('connected'),
    onClose: () => options.onStatus?.('offline'),
  });
  const client: ApiClient = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpBatchLink({
          url: new URL('/api/trpc', baseUrl).toString(),
          fetch: (url, init) => fetch(url, { ...init, credentials: 'include' }),
        }),
      }),
    ],
  });
  return { client, close: () => wsClient.close() };
}
