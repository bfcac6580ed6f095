import net from 'node:net';

export interface TcpGate {
  /** Where clients connect: the gate's own port on 127.0.0.1. */
  port: number;
  /** New connections are cut at once; those already through stay up. */
  shut(): void;
  /** New connections go through again. */
  open(): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * A TCP relay to `targetPort` on 127.0.0.1 that can refuse new connections while the open ones
 * keep working: a fault injector for "this one connection dropped and cannot come back yet",
 * where stopping the server itself would take every connection down.
 */
export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  let shut = false;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (shut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the gate has no port');
  return {
    port: address.port,
    shut: () => { shut = true; },
    open: () => { shut = false; },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => { resolve(); }));
    },
  };
}
