/**
 * The inputs of the capacity model (docs/scaling.md): what one chat event and one validation cost
 * Redis, and what delivering an event to one tab costs a server core.
 *
 * - `capacity.redis_commands_per_send` / `…_per_validate`: commands Redis executes per `chat.send`
 *   and per `session.validate` by a session's own cookie, counted from INFO commandstats of a
 *   private redis-server that serves nothing else. Floors: one command per event (the least any
 *   Redis-relayed fan-out sends: a PUBLISH) and none per validation.
 * - `capacity.cpu_us_per_delivery`: server CPU time per delivered event, from the server's own
 *   `process.cpuUsage()` around rounds to one tab and to many (the difference over the extra tabs
 *   leaves the send's own pipeline out); the floor is raw `ws` measured the same way.
 * - `capacity.cpu_us_per_send`: server CPU time of one `chat.send` to a session with one tab (the
 *   HTTP request, limits, database, audit, Redis and the one delivery); the floor is a no-op
 *   procedure on the same tRPC adapter in the same process.
 */
import type { FanoutRounds, OpenTabs } from '../load/tabs.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { freshDataDir } from '../lib/resources.js';
import { chatSendTrigger, generateSession, type BenchSession } from '../lib/sessions.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../../src/server/redis/locate-redis.js';

const TABS = QUICK ? 100 : 1000;
const ROUNDS = QUICK ? 20 : 200;
const WARMUP_ROUNDS = QUICK ? 5 : 20;
const VALIDATIONS = QUICK ? 200 : 2000;
const PAUSE_MS = 10;

/** Calls per command since the last CONFIG RESETSTAT, without the INFO and CONFIG of the counting itself. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (!match?.[1] || match[1] === 'info' || match[1].startsWith('config')) continue;
    calls.set(match[1], Number(match[2]));
  }
  return calls;
}

async function countCommands(redis: Redis, work: () => Promise<void>): Promise<{ total: number; byCommand: string }> {
  await redis.config('RESETSTAT');
  await work();
  // Replies are written before the calls that follow them; a moment lets the last ones land.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const calls = await commandCalls(redis);
  const total = [...calls.values()].reduce((sum, n) => sum + n, 0);
  const byCommand = [...calls].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(', ');
  return { total, byCommand };
}

async function cpuMicros(child: BenchChild<unknown>, work: () => Promise<void>): Promise<number> {
  const before = await child.call<NodeJS.CpuUsage>('cpu');
  await work();
  const after = await child.call<NodeJS.CpuUsage>('cpu');
  return after.user + after.system - before.user - before.system;
}

async function validateMany(url: string, session: BenchSession, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${url}/api/trpc/session.validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie },
      body: JSON.stringify({ sessionId: session.sessionId }),
    });
    if (!response.ok) throw new Error(`session.validate answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
}

async function run(ctx: FigureContext): Promise<Results> {
  const data = freshDataDir('capacity');
  const redisServer = await startPrivateRedis(data.dir);
  const redis = new Redis(redisServer.url);
  const children: BenchChild<unknown>[] = [];
  try {
    const server = await forkChild<TabsyncReady>('servers/tabsync.ts', {
      env: {
        DATA_DIR: data.dir,
        REDIS_URL: redisServer.url,
        BENCH_NOOP: '1',
        ...LIMITS_LIFTED,
        PORT: '0',
      },
    });
    children.push(server);
    const raw = await forkChild<{ url: string }>('servers/raw-ws.ts');
    children.push(raw);
    const tabs = await forkChild('load/tabs.ts');
    children.push(tabs);
    const { url, noopUrl } = server.ready;
    if (!noopUrl) throw new Error('the server started no no-op tRPC');
    const alone = await generateSession(url);
    const crowded = await generateSession(url);

    for (const [group, protocol, wsUrl, count, session] of [
      ['ours-one', 'trpc', url, 1, alone],
      ['ours-many', 'trpc', url, TABS, crowded],
      ['raw-one', 'raw', raw.ready.url, 1, alone],
      ['raw-many', 'raw', raw.ready.url, TABS, crowded],
    ] as const) {
      await tabs.call('open', { group, protocol, wsUrls: [wsUrl], count, sessions: [session] } satisfies OpenTabs);
    }

    const roundsOf = (group: string, trigger: FanoutRounds['series'][number]['trigger'], rounds: number, warmupRounds: number) =>
      tabs.call<{ payload: string; marker: string }[]>('rounds', { series: [{ group, trigger }], rounds, warmupRounds, pauseMs: PAUSE_MS } satisfies FanoutRounds);
    // Warm every path first; the warm-up also yields the message the raw floor will broadcast.
    await roundsOf('ours-one', chatSendTrigger(url, alone), 0, WARMUP_ROUNDS);
    const [warm] = await roundsOf('ours-many', chatSendTrigger(url, crowded), 1, WARMUP_ROUNDS);
    if (!warm) throw new Error('no warm-up round');
    const rawTrigger = (session: BenchSession) => ({
      url: `${raw.ready.url}/broadcast?sessionId=${session.sessionId}`,
      headers: { 'content-type': 'application/json' },
      body: warm.payload.replace(warm.marker, '%MARKER%'),
    });
    await roundsOf('raw-one', rawTrigger(alone), 0, WARMUP_ROUNDS);
    await roundsOf('raw-many', rawTrigger(crowded), 0, WARMUP_ROUNDS);
    await validateMany(url, alone, WARMUP_ROUNDS);

    const oursOne = await cpuMicros(server, () => roundsOf('ours-one', chatSendTrigger(url, alone), ROUNDS, 0).then(() => undefined));
    const oursMany = await cpuMicros(server, () => roundsOf('ours-many', chatSendTrigger(url, crowded), ROUNDS, 0).then(() => undefined));
    const rawOne = await cpuMicros(raw, () => roundsOf('raw-one', rawTrigger(alone), ROUNDS, 0).then(() => undefined));
    const rawMany = await cpuMicros(raw, () => roundsOf('raw-many', rawTrigger(crowded), ROUNDS, 0).then(() => undefined));
    const noop = await cpuMicros(server, () => validateMany(noopUrl, alone, ROUNDS));
    const extraDeliveries = ROUNDS * (TABS - 1);
    const oursPerDelivery = (oursMany - oursOne) / extraDeliveries;
    const rawPerDelivery = (rawMany - rawOne) / extraDeliveries;
    ctx.log(`capacity: CPU per chat.send with one tab ${round(oursOne / ROUNDS)} µs (no-op tRPC call ${round(noop / ROUNDS)} µs); per delivery to one more tab ${round(oursPerDelivery, 2)} µs (raw ws ${round(rawPerDelivery, 2)} µs)`);

    const sends = await countCommands(redis, () => roundsOf('ours-one', chatSendTrigger(url, alone), ROUNDS, 0).then(() => undefined));
    const validations = await countCommands(redis, () => validateMany(url, alone, VALIDATIONS));
    ctx.log(`capacity: Redis commands for ${ROUNDS} chat.send: ${sends.total} (${sends.byCommand}); for ${VALIDATIONS} session.validate: ${validations.total} (${validations.byCommand || 'none'})`);

    return {
      'capacity.redis_commands_per_send': measure(sends.total / ROUNDS, 1, 'commands'),
      'capacity.redis_commands_per_validate': measure(validations.total / VALIDATIONS, 0, 'commands'),
      'capacity.cpu_us_per_delivery': measure(oursPerDelivery, rawPerDelivery, 'µs CPU'),
      'capacity.cpu_us_per_send': measure(oursOne / ROUNDS, noop / ROUNDS, 'µs CPU'),
    };
  } finally {
    await stopAll(children);
    redis.disconnect();
    await redisServer.stop();
    data.remove();
  }
}

export const capacityFigure: Figure = { name: 'capacity', run };
