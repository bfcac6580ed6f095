import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startHeartbeat, type Heartbeat } from '../../src/server/http/ws-heartbeat.js';

let wss: WebSocketServer;
let heartbeat: Heartbeat;
let url: string;
beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  // Generous for a loaded machine: a live client has 200 ms to answer.
  heartbeat = startHeartbeat(wss, 200, 200);
  wss.on('connection', (socket) => { heartbeat.watch(socket); });
});
afterAll(async () => {
  heartbeat.stop();
  await new Promise((resolve) => { wss.close(resolve); });
});

async function connect(autoPong: boolean): Promise<{ socket: WebSocket; pings: () => number; closed: Promise<void> }> {
  const socket = new WebSocket(url, { autoPong });
  let pings = 0;
  socket.on('ping', () => { pings += 1; });
  const closed = new Promise<void>((resolve) => socket.once('close', () => { resolve(); }));
  await new Promise((resolve) => socket.once('open', resolve));
  return { socket, pings: () => pings, closed };
}

describe('the server-wide WebSocket heartbeat', () => {
  it('cuts off a socket that does not answer its ping, and keeps one that does', async () => {
    const live = await connect(true);
    const dead = await connect(false);
    await dead.closed;
    // The dead one was pinged and cut off; by then the live one had answered the same rounds.
    expect(dead.pings()).toBeGreaterThan(0);
    expect(live.pings()).toBeGreaterThan(0);
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    live.socket.close();
    await live.closed;
  });
});
