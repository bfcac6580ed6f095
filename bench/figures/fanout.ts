/**
 * fanout.p99_ratio / fanout2.p99_ratio / fanout10k.p99_ratio: one chat.send to a session with
 * many subscribed tabs (WebSocket subscriptions of session.events, all on that session with its
 * cookie), timed from the send until the last tab has the event: 1,000 tabs on one instance, the
 * same spread over two instances on one Redis, and 10,000 tabs on one instance. The floor is raw
 * `ws` broadcasting the very same message bytes to as many sockets from one process (the
 * two-instance goal allows for the Redis hop in between). Each set of tabs is held by a load
 * process of its own (10,000 sockets is half of one process's file descriptors here); both stay
 * open together and take turns round by round: on a shared machine a burst of someone else's
 * work then falls on both alike, not on whichever happened to run then.
 */
import type { FanoutRounds, FanoutSeries, OpenTabs } from '../load/tabs.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSession } from '../lib/sessions.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import { percentile, round } from '../lib/stats.js';
import { takeTurns } from '../lib/take-turns.js';
import type { TabsyncReady } from '../servers/tabsync.js';

interface Shape {
  key: 'fanout' | 'fanout2' | 'fanout10k';
  instances: 1 | 2;
  tabs: number;
  /** 200 rounds make p99 the second-slowest round rather than the slowest alone. */
  rounds: number;
  warmupRounds: number;
}

const PAUSE_MS = 20;
const THOUSAND: Omit<Shape, 'key' | 'instances'> = { tabs: QUICK ? 200 : 1000, rounds: QUICK ? 20 : 200, warmupRounds: QUICK ? 5 : 20 };
// A round to 10,000 tabs takes about ten times as long: 100 rounds keep the figure to minutes.
const TEN_THOUSAND: Omit<Shape, 'key' | 'instances'> = { tabs: QUICK ? 500 : 10_000, rounds: QUICK ? 10 : 100, warmupRounds: QUICK ? 3 : 10 };

const summary = (series: FanoutSeries) =>
  `p50 ${round(percentile(series.samplesMs, 50))} ms, p90 ${round(percentile(series.samplesMs, 90))} ms, p99 ${round(percentile(series.samplesMs, 99))} ms`;

async function run({ key, instances, tabs: count, rounds, warmupRounds }: Shape, ctx: FigureContext): Promise<Results> {
  const data = freshDataDir(key);
  const prefix = freshPrefix(key);
  const children: BenchChild<unknown>[] = [];
  try {
    const env = {
      DATA_DIR: data.dir,
      REDIS_URL: ctx.redisUrl,
      // The instances share one prefix: they are one deployment meeting on Redis.
      BENCH_REDIS_PREFIX: prefix,
      // All tabs from one load generator at once: the figure measures fan-out, not the limits.
      ...LIMITS_LIFTED,
      PORT: '0',
    };
    const servers: BenchChild<TabsyncReady>[] = [];
    // One after the other: the first runs the migrations the second then finds done.
    for (let i = 0; i < instances; i += 1) {
      const server = await forkChild<TabsyncReady>('servers/tabsync.ts', { env });
      servers.push(server);
      children.push(server);
    }
    const raw = await forkChild<{ url: string }>('servers/raw-ws.ts');
    children.push(raw);
    const [first] = servers;
    if (!first) throw new Error('no server');
    const session = await generateSession(first.ready.url);
    const oursTabs = await forkChild('load/tabs.ts');
    children.push(oursTabs);
    const rawTabs = await forkChild('load/tabs.ts');
    children.push(rawTabs);

    await oursTabs.call('open', { group: 'ours', protocol: 'trpc', wsUrls: servers.map((server) => server.ready.url), count, sessions: [session] } satisfies OpenTabs);
    await rawTabs.call('open', { group: 'raw', protocol: 'raw', wsUrls: [raw.ready.url], count, sessions: [session] } satisfies OpenTabs);
    const oursSeries: FanoutRounds['series'][number] = {
      group: 'ours',
      trigger: {
        url: `${first.ready.url}/api/trpc/chat.send`,
        headers: { 'content-type': 'application/json', cookie: session.cookie },
        body: JSON.stringify({ sessionId: session.sessionId, text: '%MARKER%' }),
      },
    };
    // Tabsync's warm-up rounds alone first: they also yield the message the floor will send.
    const [warm] = await oursTabs.call<FanoutSeries[]>('rounds', { series: [oursSeries], rounds: 1, warmupRounds, pauseMs: PAUSE_MS } satisfies FanoutRounds);
    if (!warm) throw new Error('no warm-up round');
    const rawSeries: FanoutRounds['series'][number] = {
      group: 'raw',
      trigger: {
        url: `${raw.ready.url}/broadcast?sessionId=${session.sessionId}`,
        headers: { 'content-type': 'application/json' },
        // Tabsync's own message as the tabs received it, with the round's marker in place of its text.
        body: warm.payload.replace(warm.marker, '%MARKER%'),
      },
    };
    const [ours, floor] = await takeTurns([{ tabs: oursTabs, series: oursSeries }, { tabs: rawTabs, series: rawSeries }], rounds, warmupRounds, PAUSE_MS);
    if (!ours || !floor) throw new Error('a series is missing');
    ctx.log(`${key} Tabsync, ${count} tabs on ${instances} instance(s): ${summary(ours)}`);
    ctx.log(`${key} raw ws, ${count} sockets, the same ${warm.payload.length}-byte message: ${summary(floor)}`);
    return { [`${key}.p99_ratio`]: measure(percentile(ours.samplesMs, 99), percentile(floor.samplesMs, 99), 'ms p99') };
  } finally {
    await stopAll(children);
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

export const fanoutFigure: Figure = { name: 'fanout', run: (ctx) => run({ key: 'fanout', instances: 1, ...THOUSAND }, ctx) };
export const fanoutTwoInstancesFigure: Figure = { name: 'fanout2', run: (ctx) => run({ key: 'fanout2', instances: 2, ...THOUSAND }, ctx) };
export const fanoutTenThousandFigure: Figure = { name: 'fanout10k', run: (ctx) => run({ key: 'fanout10k', instances: 1, ...TEN_THOUSAND }, ctx) };
