/**
 * fanout.p99_ratio / fanout2.p99_ratio: one chat.send to a session with many subscribed tabs
 * (WebSocket subscriptions of session.events, all on that session with its cookie), timed from
 * the send until the last tab has the event; on one instance, then with the tabs spread over two
 * instances on one Redis. The floor is raw `ws` broadcasting the very same message bytes to as
 * many sockets from one process (the two-instance goal allows for the Redis hop in between).
 * Both sets of tabs stay open together and take turns round by round: on a shared machine a
 * burst of someone else's work then falls on both alike, not on whichever happened to run then.
 */
import type { FanoutRounds, FanoutSeries, OpenTabs } from '../load/tabs.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSession } from '../lib/sessions.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import { percentile, round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';

const TABS = QUICK ? 200 : 1000;
/** 200 rounds make p99 the second-slowest round rather than the slowest alone. */
const ROUNDS = QUICK ? 20 : 200;
const WARMUP_ROUNDS = QUICK ? 5 : 20;
const PAUSE_MS = 20;

const summary = (series: FanoutSeries) =>
  `p50 ${round(percentile(series.samplesMs, 50))} ms, p90 ${round(percentile(series.samplesMs, 90))} ms, p99 ${round(percentile(series.samplesMs, 99))} ms`;

async function run(instances: 1 | 2, ctx: FigureContext): Promise<Results> {
  const key = instances === 1 ? 'fanout' : 'fanout2';
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
    const tabs = await forkChild('load/tabs.ts');
    children.push(tabs);

    await tabs.call('open', { group: 'ours', protocol: 'trpc', wsUrls: servers.map((server) => server.ready.url), count: TABS, sessions: [session] } satisfies OpenTabs);
    await tabs.call('open', { group: 'raw', protocol: 'raw', wsUrls: [raw.ready.url], count: TABS, sessions: [session] } satisfies OpenTabs);
    const oursSeries: FanoutRounds['series'][number] = {
      group: 'ours',
      trigger: {
        url: `${first.ready.url}/api/trpc/chat.send`,
        headers: { 'content-type': 'application/json', cookie: session.cookie },
        body: JSON.stringify({ sessionId: session.sessionId, text: '%MARKER%' }),
      },
    };
    // Tabsync's warm-up rounds alone first: they also yield the message the floor will send.
    const [warm] = await tabs.call<FanoutSeries[]>('rounds', { series: [oursSeries], rounds: 1, warmupRounds: WARMUP_ROUNDS, pauseMs: PAUSE_MS } satisfies FanoutRounds);
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
    const [ours, floor] = await tabs.call<FanoutSeries[]>('rounds', { series: [oursSeries, rawSeries], rounds: ROUNDS, warmupRounds: WARMUP_ROUNDS, pauseMs: PAUSE_MS } satisfies FanoutRounds);
    if (!ours || !floor) throw new Error('a series is missing');
    ctx.log(`${key} Tabsync, ${TABS} tabs on ${instances} instance(s): ${summary(ours)}`);
    ctx.log(`${key} raw ws, ${TABS} sockets, the same ${warm.payload.length}-byte message: ${summary(floor)}`);
    return { [`${key}.p99_ratio`]: measure(percentile(ours.samplesMs, 99), percentile(floor.samplesMs, 99), 'ms p99') };
  } finally {
    await stopAll(children);
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

export const fanoutFigure: Figure = { name: 'fanout', run: (ctx) => run(1, ctx) };
export const fanoutTwoInstancesFigure: Figure = { name: 'fanout2', run: (ctx) => run(2, ctx) };
