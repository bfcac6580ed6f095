import { Redis } from 'ioredis';
import { inject } from 'vitest';
import WebSocket from 'ws';
import type { TestApp } from '../../support/test-app.js';

/** A plain Redis connection to the one the app uses, for looking at what the app left behind. */
export function inspectRedis(): Redis {
  return new Redis(inject('redisUrl'), { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** The live channels of `t` that the Redis server still has a subscriber on. */
export function liveChannels(redis: Redis, t: TestApp): Promise<string[]> {
  return redis.pubsub('CHANNELS', `${t.app.redisPrefix}:live:*`) as Promise<string[]>;
}

/** An open WebSocket to the app, speaking tRPC's wire format by hand so a test controls every frame. */
export async function openRawSocket(t: TestApp, cookie: string): Promise<WebSocket> {
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/trpc`, { headers: { cookie } });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', (_req, res) => { reject(new Error(`upgrade refused with ${res.statusCode}`)); });
  });
  return socket;
}

/** Sends a session.events subscription and resolves once the server says it started. */
export function subscribeRaw(socket: WebSocket, id: number, input: { sessionId: string; lastEventId?: string }): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; result?: { type?: string } };
      if (reply.id !== id || reply.result?.type !== 'started') return;
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, method: 'subscription', params: { path: 'session.events', input } }));
  });
}
