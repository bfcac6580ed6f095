import { createTRPCClient, createWSClient, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../../server/api/root.js';
import { TRPC_PATH } from '../../shared/paths.js';
import { reconnectDelayMs } from './backoff.js';
import { createHttpLink, type HttpLinkOptions } from './http-link.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'offline';
export type ApiClient = TRPCClient<AppRouter>;

export interface ApiClientOptions extends HttpLinkOptions {
  onStatus?: (status: ConnectionStatus) => void;
  /** A WebSocket implementation for runtimes without one (tests in Node). */
  WebSocket?: typeof globalThis.WebSocket;
}

function wsUrlOf(baseUrl: string): string {
  const url = new URL(TRPC_PATH, baseUrl);
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
        false: createHttpLink({ ...options, baseUrl }),
      }),
    ],
  });
  return { client, close: () => wsClient.close() };
}
