/**
 * ws.slow_readers_rss_growth_mb: what one anonymous client can make the server hold by not
 * reading. Ten raw sockets, each with 20 `session.events` subscriptions on one fresh session,
 * stop reading; the session then sends 60 messages of 4,000 `\u0001` (about 24 kB each as JSON,
 * ~29 MB owed to every socket). The figure is the server's RSS growth after full collections once
 * the messages are sent; the floor is the same 60 messages with only a reading tab subscribed.
 */
import WebSocket from 'ws';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSession, type BenchSession } from '../lib/sessions.js';
import { LIMITS_LIFTED } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';

const STALLED_SOCKETS = 10;
const SUBSCRIPTIONS = 20;
const MESSAGES = 60;
const MB = 1024 * 1024;

async function subscribe(url: string, session: BenchSession, subscriptions: number): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/trpc`, { headers: { cookie: session.cookie } });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  let started = 0;
  const allStarted = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      if (data.toString().includes('"type":"started"')) started += 1;
      if (started === subscriptions) resolve();
    });
  });
  for (let id = 1; id <= subscriptions; id++) {
    socket.send(JSON.stringify({ id, method: 'subscription', params: { path: 'session.events', input: { sessionId: session.sessionId } } }));
  }
  await allStarted;
  return socket;
}

async function sendMessages(url: string, session: BenchSession): Promise<void> {
  const text = '\u0001'.repeat(4000);
  for (let i = 0; i < MESSAGES; i++) {
    const response = await fetch(`${url}/api/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie },
      body: JSON.stringify({ sessionId: session.sessionId, text }),
    });
    if (!response.ok) throw new Error(`chat.send answered ${response.status}`);
  }
}

/** RSS growth (MB) while `stalled` non-reading sockets and one reading tab hold the session. */
async function growth(ctx: FigureContext, stalled: number): Promise<number> {
  const data = freshDataDir('slow-readers');
  const prefix = freshPrefix('slow-readers');
  let server: BenchChild<TabsyncReady> | undefined;
  const sockets: WebSocket[] = [];
  try {
    server = await forkChild<TabsyncReady>('servers/tabsync.ts', {
      exposeGc: true,
      env: { DATA_DIR: data.dir, REDIS_URL: ctx.redisUrl, BENCH_REDIS_PREFIX: prefix, ...LIMITS_LIFTED, PORT: '0' },
    });
    const url = server.ready.url;
    const session = await generateSession(url);
    sockets.push(await subscribe(url, session, 1));
    // A warm-up round loads the send path (and its pools) before the baseline is read.
    await sendMessages(url, session);
    for (let i = 0; i < stalled; i++) {
      const socket = await subscribe(url, session, SUBSCRIPTIONS);
      socket.pause();
      sockets.push(socket);
    }
    const before = await server.call<NodeJS.MemoryUsage>('memory');
    await sendMessages(url, session);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await server.call<NodeJS.MemoryUsage>('memory');
    const open = await server.call<number>('connections');
    const mb = (after.rss - before.rss) / MB;
    ctx.log(`slow readers: ${stalled} stalled sockets, ${open} still open on the server after ${MESSAGES} messages: RSS ${round(mb, 1)} MB`);
    return mb;
  } finally {
    for (const socket of sockets) socket.terminate();
    await server?.stop();
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

async function run(ctx: FigureContext): Promise<Results> {
  const ours = await growth(ctx, STALLED_SOCKETS);
  const floor = await growth(ctx, 0);
  return { 'ws.slow_readers_rss_growth_mb': measure(Math.max(0, ours), Math.max(0.1, floor), 'MB') };
}

export const slowReadersFigure: Figure = { name: 'slow-readers', run };
