/**
 * fanout.p99_ratio / fanout2.p99_ratio: one chat.send to a session with many subscribed tabs
 * (WebSocket subscriptions of session.events, all on that session with its cookie), timed from
 * the send until the last tab has the event; on one instance, then with the tabs spread over two
 * instances on one Redis. The floor is raw `ws` broadcasting the very same message bytes to as
 * many sockets from one process (the two-instance goal allows for the Redis hop in between).
 */
import type { FanoutResult, OpenTabs } from '../load/tabs.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSession } from '../lib/sessions.js';
import { QUICK } from '../lib/settings.js';
import { percentile, round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';

const TABS = QUICK ? 200 : 1000;
/** 200 rounds make p99 the second-slowest round rather than the slowest alone. */
const ROUNDS = QUICK ? 20 : 200;
const WARMUP_ROUNDS = QUICK ? 5 : 20;
const PAUSE_MS = 20;

const summary = (result: FanoutResult) =>
  `p50 ${round(percentile(result.samplesMs, 50))} ms, p90 ${round(percentile(result.samplesMs, 90))} ms, p99 ${round(percentile(result.samplesMs, 99))} ms`;

async function run(instances: 1 | 2, ctx: FigureContext): Promise<Results> {
  const key = instances === 1 ? 'fanout' : 'fanout2';
  const data = freshDataDir(key);
  const prefix = freshPrefix(key);
  const children: BenchChild<unknown>[] = [];
  try {
    const env = {
      DATA_DIR: data.dir,
      REDIS_URL: ctx.redisUrl,
      // Both instances share one prefix: they are one deployment meeting on Redis.
      BENCH_REDIS_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '1000000',
      CHAT_RATE_LIMIT_PER_MINUTE: '1000000',
      SESSION_MESSAGES_PER_MINUTE: '1000000',
      WS_MAX_PER_IP: '100000',
      PORT: '0',
    };
    const servers: BenchChild<TabsyncReady>[] = [];
    // One after the other: the first runs the migrations the second then finds done.
    for (let i = 0; i < instances; i += 1) {
      const server = await forkChild<TabsyncReady>('servers/tabsync.ts', { env });
      servers.push(server);
      children.push(server);
    }
    const [first] = servers;
    if (!first) throw new Error('no server');
    const session = await generateSession(first.ready.url);
    const tabs = await forkChild('load/tabs.ts');
    children.push(tabs);

    const oursTabs: OpenTabs = { protocol: 'trpc', wsUrls: servers.map((server) => server.ready.url), count: TABS, sessions: [session] };
    await tabs.call('open', oursTabs);
    const ours = await tabs.call<FanoutResult>('rounds', {
      rounds: ROUNDS,
      warmupRounds: WARMUP_ROUNDS,
      pauseMs: PAUSE_MS,
      trigger: {
        url: `${first.ready.url}/api/trpc/chat.send`,
        headers: { 'content-type': 'application/json', cookie: session.cookie },
        body: JSON.stringify({ sessionId: session.sessionId, text: '%MARKER%' }),
      },
    });
    ctx.log(`${key} Tabsync, ${TABS} tabs on ${instances} instance(s): ${summary(ours)}`);
    await tabs.call('close');
    await stopAll(servers);

    const raw = await forkChild<{ url: string }>('servers/raw-ws.ts');
    children.push(raw);
    await tabs.call('open', { protocol: 'raw', wsUrls: [raw.ready.url], count: TABS, sessions: [session] } satisfies OpenTabs);
    const floor = await tabs.call<FanoutResult>('rounds', {
      rounds: ROUNDS,
      warmupRounds: WARMUP_ROUNDS,
      pauseMs: PAUSE_MS,
      trigger: {
        url: `${raw.ready.url}/broadcast?sessionId=${session.sessionId}`,
        headers: { 'content-type': 'application/json' },
        // Tabsync's own message as the tabs received it, with this round's marker in place of its text.
        body: ours.payload.replace(ours.marker, '%MARKER%'),
      },
    });
    ctx.log(`${key} raw ws, ${TABS} sockets, ${ours.payload.length}-byte message: ${summary(floor)}`);
    await tabs.call('close');

    return { [`${key}.p99_ratio`]: measure(percentile(ours.samplesMs, 99), percentile(floor.samplesMs, 99), 'ms p99') };
  } finally {
    await stopAll(children);
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

export const fanoutFigure: Figure = { name: 'fanout', run: (ctx) => run(1, ctx) };
export const fanoutTwoInstancesFigure: Figure = { name: 'fanout2', run: (ctx) => run(2, ctx) };
