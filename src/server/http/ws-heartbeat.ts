import { randomBytes } from 'node:crypto';
import type { WebSocket, WebSocketServer } from 'ws';

export interface Heartbeat {
  /** Starts listening for the socket's answers; call once per socket. */
  watch(socket: WebSocket): void;
  stop(): void;
}

/** Bytes of the nonce each ping carries: unguessable, and still a tiny frame. */
const NONCE_BYTES = 8;

/**
 * Finds dead connections with one timer for the whole server instead of tRPC's keep-alive, which
 * keeps two timers and three closures per socket and re-arms them on every message. Every
 * `pingMs` each socket gets a WebSocket ping carrying a fresh random nonce of its own (every RFC
 * 6455 client, browsers included, echoes it in its pong by itself); one that has not echoed it
 * `pongWaitMs` later (at most `pingMs`) is cut off. Only the echo counts: a socket that never
 * reads cannot know its nonce, so pongs it writes unprompted do not keep it alive. The only
 * per-socket state is a 'pong' listener shared by all sockets, and its nonce in `awaiting`
 * between a ping and its pong.
 */
export function startHeartbeat(wss: WebSocketServer, pingMs: number, pongWaitMs: number): Heartbeat {
  const awaiting = new Map<WebSocket, Buffer>();
  let cutOff: NodeJS.Timeout | undefined;

  function answered(this: WebSocket, data: Buffer): void {
    const nonce = awaiting.get(this);
    if (nonce?.equals(data)) awaiting.delete(this);
  }

  const round = setInterval(() => {
    // One random read per round, sliced per socket: the nonces of one socket never repeat, and
    // no socket can learn another's.
    const nonces = randomBytes(NONCE_BYTES * wss.clients.size);
    let offset = 0;
    for (const socket of wss.clients) {
      const nonce = nonces.subarray(offset, offset + NONCE_BYTES);
      offset += NONCE_BYTES;
      awaiting.set(socket, nonce);
      socket.ping(nonce);
    }
    cutOff = setTimeout(() => {
      for (const socket of awaiting.keys()) socket.terminate();
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
