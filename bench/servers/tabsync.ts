/**
 * Tabsync itself, as `npm start` runs it: the compiled dist/ (built by bench/run.ts) through its
 * composition root (createApp), in a child process of its own, with source maps off. Configuration
 * comes from the environment like the real server's; the harness adds a fresh Redis key prefix and,
 * for the validate figures, the no-op tRPC server in this same process (same runtime, same flags:
 * the only difference is the pipeline).
 */
import type * as AppModule from '../../src/server/app.js';
import type * as ConfigModule from '../../src/server/config/env.js';
import { memoryAfterGc, serveParent } from '../lib/child.js';
import { startNoopTrpc } from './noop-trpc.js';

// tsx, which runs this harness, turns source maps on for the whole process; plain node does not.
// With them on, every stack read is mapped, and Sequelize reads one per SQLite query: ~2% of a
// WebSocket validation's CPU that a deployed server never spends.
process.setSourceMapsEnabled(false);
const fromDist = (module: string) => import(new URL(`../../dist/src/server/${module}`, import.meta.url).href);
const { createApp } = (await fromDist('app.js')) as typeof AppModule;
const { loadConfig } = (await fromDist('config/env.js')) as typeof ConfigModule;

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
