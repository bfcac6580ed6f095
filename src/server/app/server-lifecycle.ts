import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/env.js';
import type { WebSocketHost } from '../http/websocket.js';
import type { ShutdownStack } from '../shutdown-stack.js';

/** Listens on PORT and HOST; resolves with the port (the one 0 picked) and the URL to open. */
export function listen(server: http.Server, config: Pick<Config, 'port' | 'host'>): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      // Only a failure to listen is this promise's: a later server error must not vanish into it.
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      resolve({ port, url: `http://${host}:${port}` });
    });
  });
}

/**
 * Sockets first (clients are told to reconnect elsewhere), then requests in flight (cut off after
 * 5 s), then the parts on the shutdown stack.
 */
export async function closeServer(parts: { websockets: WebSocketHost; server: http.Server; shutdown: ShutdownStack }): Promise<void> {
  const { websockets, server, shutdown } = parts;
  await websockets.closeAll();
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => { server.closeAllConnections(); }, 5000);
    force.unref();
    server.close(() => { clearTimeout(force); resolve(); });
    server.closeIdleConnections();
  });
  await shutdown.closeAll();
}
