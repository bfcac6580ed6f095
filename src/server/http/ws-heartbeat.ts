import type { WebSocket, WebSocketServer } from 'ws';

export interface Heartbeat {
  /** Starts listening for the socket's answers; call once per socket. */
  watch(socket: WebSocket): void;
  stop(): void;
}

/**
 * Finds dead connections with one timer for the whole server instead of tRPC's keep-alive, which
 * keeps two timers and three closures per socket and re-arms them on every message. Every
 * `pingMs` each socket gets a WebSocket ping (every RFC 6455 client, browsers included, answers
 * it by itself); one that has not answered `pongWaitMs` later (at most `pingMs`) is cut off. The
 * only per-socket state is a 'pong' listener shared by all sockets, and a place in `awaiting`
 * between a ping and its pong.
 */
export function startHeartbeat(wss: WebSocketServer, pingMs: number, pongWaitMs: number): Heartbeat {
  const awaiting = new Set<WebSocket>();
  let cutOff: NodeJS.Timeout | undefined;

  function answered(this: WebSocket): void {
    awaiting.delete(this);
  }

  const round = setInterval(() => {
    for (const socket of wss.clients) {
      awaiting.add(socket);
      socket.ping();
    }
    cutOff = setTimeout(() => {
      for (const socket of awaiting) socket.terminate();
      awaiting.clear();
    }, Math.min(pongWaitMs, pingMs));
    cutOff.unref();
  }, pingMs);
  round.unref();

  return {
    watch(socket) {
      socket.on('pong', answered);
    },
    stop() {
      clearInterval(round);
      clearTimeout(cutOff);
      awaiting.clear();
    },
  };
}
