import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from '../../src/server/api/root.js';

export interface WsClientOptions {
  cookie?: string;
  origin?: string;
  /** Retry quickly in tests; tRPC's default backoff climbs to 30 s. */
  retryDelayMs?: number;
}

/** A real tRPC WebSocket client from Node, carrying a browser's cookie and Origin on the upgrade. */
export function createWsTestClient(baseUrl: string, options: WsClientOptions = {}) {
  const headers: Record<string, string> = {};
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
    retryDelayMs: () => options.retryDelayMs ?? 100,
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  return { client, wsClient, close: () => wsClient.close() };
}
