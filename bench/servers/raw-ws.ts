/**
 * The floor of the fan-out and socket-memory figures: the `ws` library with nothing on top. A
 * socket subscribes by sending `{"sessionId": …}` and is kept in a per-session set (the least
 * state a subscription can have); `POST /broadcast?sessionId=…` sends the request body, as it
 * came, to every socket of that session: one serialisation, N sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { memoryAfterGc, serveParent } from '../lib/child.js';

const subscribers = new Map<string, Set<WebSocket>>();

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'POST' || url.pathname !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const payload = Buffer.concat(chunks).toString();
    const sockets = subscribers.get(url.searchParams.get('sessionId') ?? '') ?? new Set();
    for (const socket of sockets) socket.send(payload);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent: sockets.size }));
  });
});

const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  let sessionId: string | undefined;
  socket.on('message', (data: Buffer) => {
    const text = data.toString();
    if (sessionId !== undefined || text === 'PONG') return;
    sessionId = (JSON.parse(text) as { sessionId: string }).sessionId;
    let set = subscribers.get(sessionId);
    if (!set) subscribers.set(sessionId, (set = new Set()));
    set.add(socket);
    socket.send('{"result":{"type":"started"}}');
  });
  socket.on('close', () => {
    if (sessionId === undefined) return;
    const set = subscribers.get(sessionId);
    set?.delete(socket);
    if (set?.size === 0) subscribers.delete(sessionId);
  });
});

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveParent(
  { url: `http://127.0.0.1:${port}` },
  {
    memory: () => memoryAfterGc(),
    connections: () => Promise.resolve(wss.clients.size),
    cpu: () => Promise.resolve(process.cpuUsage()),
  },
  async () => {
    for (const socket of wss.clients) socket.terminate();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
);
