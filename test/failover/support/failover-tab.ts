import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from '../../../src/server/api/root.js';
import { recordEvents } from '../../support/subscription.js';

export interface FailoverTab {
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
  wsClient: ReturnType<typeof createWSClient>;
  /** How many times a server told this tab to reconnect (tRPC's `reconnect` notification). */
  reconnectNotices(): number;
  close(): Promise<void>;
}

/**
 * A browser tab as a tRPC WebSocket client from Node: the session's cookie on every upgrade, and
 * the URL asked again on every (re)connection, so that it can follow a load balancer to the
 * instance that is still up. Subscriptions resume through tRPC's own `lastEventId`.
 */
function openTab(url: () => string, cookie: string): FailoverTab {
  let notices = 0;
  class Tab extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie } });
      this.on('message', (data: Buffer) => {
        if (data.toString().includes('"method":"reconnect"')) notices += 1;
      });
    }
  }
  const wsClient = createWSClient({
    url: () => `${url().replace(/^http/, 'ws')}/api/trpc`,
    WebSocket: Tab as unknown as typeof globalThis.WebSocket,
    // Quick retries: tRPC's default backoff climbs to 30 s.
    retryDelayMs: () => 100,
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  return { client, wsClient, reconnectNotices: () => notices, close: () => wsClient.close() };
}

/** `count` tabs of one browser, each with a plain subscription to the session's events, once all have started. */
export async function openRecordingTabs(count: number, url: () => string, cookie: string, sessionId: string) {
  const tabs = Array.from({ length: count }, () => openTab(url, cookie));
  const recorders = tabs.map((tab) => recordEvents(tab, { sessionId }));
  await Promise.all(recorders.map((recorder) => recorder.started));
  return { tabs, recorders };
}
