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

describe('pongs that do not echo their ping', () => {
  it('keep no socket alive: an unprompted empty pong, or a stale nonce, is not an answer', async () => {
    // Never reads its pings' nonces, writes an empty pong every 50 ms (faster than any round).
    const unprompted = await connect(false);
    const pongs = setInterval(() => { unprompted.socket.pong(); }, 50);
    // Echoes each ping's nonce, but only at the next ping: always one round late.
    const late = await connect(false);
    let previous: Buffer | undefined;
    late.socket.on('ping', (data: Buffer) => {
      if (previous) late.socket.pong(previous);
      previous = Buffer.from(data);
    });
    const live = await connect(true);
    try {
      // Ten rounds are plenty: each cuts off whoever did not echo that round's nonce.
      const outcome = await Promise.race([
        Promise.all([unprompted.closed, late.closed]).then(() => 'both cut off'),
        new Promise((resolve) => setTimeout(resolve, 4000)).then(() => 'still open'),
      ]);
      expect(outcome).toBe('both cut off');
      expect(live.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(pongs);
      live.socket.close();
      await live.closed;
    }
  });
});
