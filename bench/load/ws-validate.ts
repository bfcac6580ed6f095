/**
 * session.validate over tRPC's WebSocket from many sockets, each in a closed loop (one call in
 * flight, the next sent when the answer arrives), in a process apart from the server.
 */
import { performance } from 'node:perf_hooks';
import { serveParent } from '../lib/child.js';
import type { LoadResult } from '../lib/figure.js';
import { percentile } from '../lib/stats.js';
import { openSocket, type ThinSocket } from './socket.js';

export interface WsValidateLoad {
  wsUrl: string;
  seconds: number;
  warmupSeconds: number;
  sessions: { sessionId: string; cookie: string }[];
}

async function run(payload: unknown): Promise<LoadResult> {
  const load = payload as WsValidateLoad;
  const sockets: ThinSocket[] = await Promise.all(load.sessions.map((session) => openSocket(load.wsUrl, session.cookie)));
  let measuring = false;
  let stopped = false;
  const latencies: number[] = [];
  let errors = 0;

  const loops = sockets.map(
    (socket, index) =>
      new Promise<void>((resolve) => {
        const sessionId = load.sessions[index]?.sessionId;
        let id = 0;
        let sentAt = 0;
        const sendNext = () => {
          if (stopped) {
            resolve();
            return;
          }
          id += 1;
          sentAt = performance.now();
          socket.send({ id, method: 'mutation', params: { path: 'session.validate', input: { sessionId } } });
        };
        socket.onMessage = (message) => {
          if (message.id !== id) return;
          const valid = (message.result?.data as { valid?: boolean } | undefined)?.valid === true;
          if (measuring) {
            latencies.push(performance.now() - sentAt);
            if (!valid) errors += 1;
          }
          sendNext();
        };
        socket.ws.once('close', () => { resolve(); });
        sendNext();
      }),
  );

  await new Promise((resolve) => setTimeout(resolve, load.warmupSeconds * 1000));
  measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, load.seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  stopped = true;
  await Promise.all(loops);
  for (const socket of sockets) socket.close();
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    total: latencies.length,
    errors,
  };
}

serveParent({}, { run }, () => Promise.resolve());
