import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from '../../src/server/api/root.js';

export interface WsClientOptions {
  cookie?: string;
  origin?: string;
  /** More headers on the upgrade request (an admin token, say). */
  headers?: Record<string, string>;
  /** tRPC's connection parameters, sent as the socket's first message. */
  connectionParams?: Record<string, string>;
  /** Retry quickly in tests; tRPC's default backoff climbs to 30 s. */
  retryDelayMs?: number;
}

/** A real tRPC WebSocket client from Node, carrying a browser's cookie and Origin on the upgrade. */
export function createWsTestClient(baseUrl: string, options: WsClientOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  class BrowserLikeWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const wsClient = createWSClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/api/trpc`,
    WebSocket: BrowserLikeWebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: options.connectionParams,
    retryDelayMs: () => options.retryDelayMs ?? 100,
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  return { client, wsClient, close: () => wsClient.close() };
}
