/**
 * ws.bytes_per_connection_ratio: what one idle subscribed socket costs the server. The server
 * runs alone in a child with --expose-gc; the sockets come from another process. Memory is read
 * after full collections, once with a few warm-up sockets opened and closed (so code and pools
 * are loaded), once with all sockets open and subscribed; the difference over the count is the
 * cost of one. RSS is the figure (what the machine pays); the heap difference is logged beside it.
 */
import type { OpenTabs } from '../load/tabs.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSessions, type BenchSession } from '../lib/sessions.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';

/** File descriptors are limited per process (20,000 here): 10,000 sockets fit on each side. */
const SOCKETS = QUICK ? 500 : 10_000;
const SESSIONS = QUICK ? 10 : 100;
// Few: enough to load the code paths, too few to leave freed pages that the measured sockets would reuse.
const WARM_SOCKETS = 20;

interface PerSocket {
  rss: number;
  heap: number;
  count: number;
}

async function perSocket(
  server: BenchChild<{ url: string }>,
  protocol: OpenTabs['protocol'],
  sessions: BenchSession[],
  label: string,
  log: (line: string) => void,
): Promise<PerSocket> {
  const tabs = await forkChild('load/tabs.ts');
  try {
    const open = (count: number) => tabs.call('open', { protocol, wsUrls: [server.ready.url], count, sessions } satisfies OpenTabs);
    await open(WARM_SOCKETS);
    await tabs.call('close');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await server.call<NodeJS.MemoryUsage>('memory');
    let count = SOCKETS;
    // If the machine cannot hold them all, report the largest count that works rather than nothing.
    for (;;) {
      try {
        await open(count);
        break;
      } catch (error) {
        await tabs.call('close');
        if (count <= 1000) throw error;
        log(`${label}: ${count} sockets failed (${error instanceof Error ? error.message : String(error)}); trying ${count / 2}`);
        count /= 2;
      }
    }
    // Let handshakes, subscriptions and their first timers settle before reading.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const connected = await server.call<number>('connections');
    const after = await server.call<NodeJS.MemoryUsage>('memory');
    await tabs.call('close');
    const result = { rss: (after.rss - before.rss) / count, heap: (after.heapUsed + after.external - before.heapUsed - before.external) / count, count };
    log(`${label}: ${count} sockets (${connected} open on the server): ${round(result.rss, 0)} B RSS, ${round(result.heap, 0)} B heap+external per socket`);
    return result;
  } finally {
    await tabs.stop();
  }
}

async function run(ctx: FigureContext): Promise<Results> {
  const data = freshDataDir('ws-memory');
  const prefix = freshPrefix('ws-memory');
  const children: BenchChild<unknown>[] = [];
  try {
    const tabsync = await forkChild<TabsyncReady>('servers/tabsync.ts', {
      exposeGc: true,
      env: { DATA_DIR: data.dir, REDIS_URL: ctx.redisUrl, BENCH_REDIS_PREFIX: prefix, ...LIMITS_LIFTED, PORT: '0' },
    });
    children.push(tabsync);
    const sessions = await generateSessions(tabsync.ready.url, SESSIONS);
    const ours = await perSocket(tabsync, 'trpc', sessions, 'Tabsync session.events', ctx.log);
    await tabsync.stop();

    const raw = await forkChild<{ url: string }>('servers/raw-ws.ts', { exposeGc: true });
    children.push(raw);
    const floor = await perSocket(raw, 'raw', sessions, 'raw ws', ctx.log);
    return { 'ws.bytes_per_connection_ratio': measure(ours.rss, floor.rss, 'B RSS/socket') };
  } finally {
    await stopAll(children);
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

export const wsMemoryFigure: Figure = { name: 'ws-memory', run };
