import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { locateRedis } from '../src/server/redis/locate-redis.js';
import { startServerProcess } from '../test/support/server-process.js';
import { recordEvents } from '../test/support/subscription.js';
import { createTestClient } from '../test/support/trpc-client.js';
import { createWsTestClient } from '../test/support/ws-client.js';

export interface SyncResult {
  tabs: number;
  instances: number;
  rounds: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/**
 * Fan-out latency: one chat message sent through instance A, timed until every one of `tabs`
 * subscribed tabs (split over two server processes on one Redis) has received it.
 */
export async function runSyncBench(tabs = 200, rounds = 30): Promise<SyncResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-bench-'));
  const redis = await locateRedis({ redisUrl: process.env.REDIS_URL, dataDir });
  const env = { DATA_DIR: dataDir, REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '100000', WS_MAX_PER_IP: '100000', LOG_LEVEL: 'warn' };
  const a = await startServerProcess({ ...env, LOG_LEVEL: 'info' });
  const b = await startServerProcess({ ...env, LOG_LEVEL: 'info' });
  try {
    const http = createTestClient(a.url);
    const session = await http.client.session.generate.mutate();
    const cookie = http.jar.header();
    const clients = Array.from({ length: tabs }, (_, i) => createWsTestClient((i % 2 === 0 ? a : b).url, { cookie }));
    const recorders = clients.map((ws) => recordEvents(ws, { sessionId: session.sessionId }));
    await Promise.all(recorders.map((r) => r.started));
    await new Promise((resolve) => setTimeout(resolve, 500));

    const samples: number[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const started = performance.now();
      await http.client.chat.send.mutate({ sessionId: session.sessionId, text: `round ${round}` });
      await Promise.all(recorders.map((r) => r.received(round)));
      samples.push(performance.now() - started);
    }
    await Promise.all(clients.map((ws) => ws.close()));
    samples.sort((x, y) => x - y);
    return { tabs, instances: 2, rounds, p50Ms: percentile(samples, 50), p95Ms: percentile(samples, 95), maxMs: samples.at(-1) ?? Number.NaN };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}
