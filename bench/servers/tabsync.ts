/**
 * Tabsync itself, as `npm start` runs it: the compiled dist/ (lib/dist.ts) through its composition
 * root (createApp), in a child process of its own. Configuration comes from the environment like
 * the real server's; the harness adds a fresh Redis key prefix and, for the validate figures, the
 * no-op tRPC server in this same process (same runtime, same flags: the only difference is the
 * pipeline).
 */
import type * as AppModule from '../../src/server/app.js';
import type * as ConfigModule from '../../src/server/config/env.js';
import { memoryAfterGc, serveParent } from '../lib/child.js';
import { fromDist } from '../lib/dist.js';
import { startNoopTrpc } from './noop-trpc.js';

const { createApp } = await fromDist<typeof AppModule>('src/server/app.js');
const { loadConfig } = await fromDist<typeof ConfigModule>('src/server/config/env.js');

export interface TabsyncReady {
  url: string;
  noopUrl: string | undefined;
  database: string;
}

const app = await createApp(loadConfig(), { redisPrefix: process.env.BENCH_REDIS_PREFIX });
const { url } = await app.listen();
const noop = process.env.BENCH_NOOP === '1' ? await startNoopTrpc() : undefined;

const ready: TabsyncReady = { url, noopUrl: noop?.url, database: app.db.dialect };
serveParent(
  ready,
  {
    memory: () => memoryAfterGc(),
    connections: () => Promise.resolve(app.websockets.connections),
    cpu: () => Promise.resolve(process.cpuUsage()),
    // As it stands, without a collection first: the peak of a burst, not what it settles to.
    rss: () => Promise.resolve(process.memoryUsage.rss()),
  },
  async () => {
    await noop?.close();
    await app.close();
  },
);
