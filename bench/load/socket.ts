/**
 * A WebSocket client as thin as the protocol allows, so that the client process costs as little as
 * possible and costs the same against Tabsync and against the raw `ws` floor. It speaks tRPC's
 * WebSocket messages by hand (`{ id, method, params }` out, `{ id, result | error }` back) and
 * answers the server's keep-alive PING, as tRPC's own client does.
 */
import WebSocket from 'ws';

export interface WireMessage {
  id?: number | string;
  result?: { type: 'started' | 'data' | 'stopped'; id?: string; data?: unknown };
  error?: { message: string };
}

export interface ThinSocket {
  ws: WebSocket;
  /** Called for each JSON message; the raw text comes along so a caller can keep a payload verbatim. */
  onMessage: ((message: WireMessage, text: string) => void) | undefined;
  send(message: unknown): void;
  close(): void;
}

export function openSocket(url: string, cookie: string | undefined): Promise<ThinSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: cookie ? { cookie } : {}, perMessageDeflate: false });
    const thin: ThinSocket = {
      ws,
      onMessage: undefined,
      send: (message) => { ws.send(JSON.stringify(message)); },
      close: () => { ws.terminate(); },
    };
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text === 'PING') {
        ws.send('PONG');
        return;
      }
      if (text === 'PONG') return;
      thin.onMessage?.(JSON.parse(text) as WireMessage, text);
    });
    ws.once('open', () => { resolve(thin); });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => { reject(new Error(`upgrade refused with ${res.statusCode}`)); });
  });
}

/** Opens `count` sockets, at most `parallel` handshakes at a time (a burst of thousands would only time out). */
export async function openMany<T>(count: number, parallel: number, open: (index: number) => Promise<T>): Promise<T[]> {
  const opened: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const index = next++;
        opened[index] = await open(index);
      }
    }),
  );
  return opened;
}
