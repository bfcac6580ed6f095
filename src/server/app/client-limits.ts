import type { Config } from '../config/env.js';
import type { HostTimeouts } from '../http/host.js';
import type { WebSocketHostOptions } from '../http/websocket.js';

/** Shorter limits a test may set, so that it need not wait out the real ones. */
export type ClientTimeouts = Partial<HostTimeouts & { webSocketHandshakeMs: number; webSocketPingMs: number; webSocketPongWaitMs: number }>;

/**
 * Slow clients are cut off deliberately rather than by Node's defaults: headers must arrive within
 * 15 s, a whole request (a 25 MiB upload over a slow link included) within 5 min; an upload that
 * stalls is ended sooner by UPLOAD_IDLE_TIMEOUT.
 */
const HOST_TIMEOUTS: HostTimeouts = { headersMs: 15_000, requestMs: 5 * 60_000, keepAliveMs: 5_000 };

export function hostTimeouts(overrides: ClientTimeouts = {}): HostTimeouts {
  return { ...HOST_TIMEOUTS, ...overrides };
}

/** What one client and one instance may hold of WebSockets (WS_MAX_*), and how long a socket may stay silent. */
export function webSocketLimits(config: Config, overrides: ClientTimeouts = {}): Pick<WebSocketHostOptions, 'maxPerIp' | 'maxBufferedBytes' | 'maxUpgradesPerSecond' | 'handshakeMs' | 'pingMs' | 'pongWaitMs'> {
  return {
    maxPerIp: config.wsMaxPerIp,
    maxBufferedBytes: config.wsMaxBufferedBytes,
    maxUpgradesPerSecond: config.wsMaxUpgradesPerSecond,
    handshakeMs: overrides.webSocketHandshakeMs,
    pingMs: overrides.webSocketPingMs,
    pongWaitMs: overrides.webSocketPongWaitMs,
  };
}
