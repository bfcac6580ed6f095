/**
 * cluster.fanout.p99_ratio: the fan-out figure through a Redis Cluster (three masters, three
 * replicas, started here as `npm run test:cluster` starts one; sharded pub/sub) against the same
 * server on a single Redis, in the same run: one chat.send until the last of 1,000 subscribed
 * tabs has it. The two servers' tabs stay open together and take turns round by round.
 */
import type { FanoutSeries, OpenTabs } from '../load/tabs.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { chatSendTrigger, generateSession } from '../lib/sessions.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import { percentile, round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';
import { startRedisCluster, type RedisClusterProcess } from '../../test/support/redis-cluster.js';

const TABS = QUICK ? 200 : 1000;
const ROUNDS = QUICK ? 20 : 200;
const WARMUP_ROUNDS = QUICK ? 5 : 20;
const PAUSE_MS = 20;

async function run(ctx: FigureContext): Promise<Results> {
  const singleData = freshDataDir('cluster-fanout-single');
  const clusterData = freshDataDir('cluster-fanout-cluster');
  const prefix = freshPrefix('cluster-fanout');
  const children: BenchChild<unknown>[] = [];
  let cluster: RedisClusterProcess | undefined;
  try {
    cluster = await startRedisCluster();
    const common = { ...LIMITS_LIFTED, BENCH_REDIS_PREFIX: prefix, PORT: '0' };
    const single = await forkChild<TabsyncReady>('servers/tabsync.ts', { env: { ...common, DATA_DIR: singleData.dir, REDIS_URL: ctx.redisUrl } });
    children.push(single);
    // An empty REDIS_URL is unset: the cluster's nodes name the Redis.
    const clustered = await forkChild<TabsyncReady>('servers/tabsync.ts', { env: { ...common, DATA_DIR: clusterData.dir, REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes } });
    children.push(clustered);
    const singleSession = await generateSession(single.ready.url);
    const clusterSession = await generateSession(clustered.ready.url);
    const tabs = await forkChild('load/tabs.ts');
    children.push(tabs);
    await tabs.call('open', { group: 'single', protocol: 'trpc', wsUrls: [single.ready.url], count: TABS, sessions: [singleSession] } satisfies OpenTabs);
    await tabs.call('open', { group: 'cluster', protocol: 'trpc', wsUrls: [clustered.ready.url], count: TABS, sessions: [clusterSession] } satisfies OpenTabs);
    const [onCluster, onSingle] = await tabs.call<FanoutSeries[]>('rounds', {
      series: [
        { group: 'cluster', trigger: chatSendTrigger(clustered.ready.url, clusterSession) },
        { group: 'single', trigger: chatSendTrigger(single.ready.url, singleSession) },
      ],
      rounds: ROUNDS,
      warmupRounds: WARMUP_ROUNDS,
      pauseMs: PAUSE_MS,
    });
    if (!onCluster || !onSingle) throw new Error('a series is missing');
    const summary = (series: FanoutSeries) => `p50 ${round(percentile(series.samplesMs, 50))} ms, p99 ${round(percentile(series.samplesMs, 99))} ms`;
    ctx.log(`cluster.fanout ${TABS} tabs, Redis Cluster (3 masters): ${summary(onCluster)}; single Redis: ${summary(onSingle)}`);
    return { 'cluster.fanout.p99_ratio': measure(percentile(onCluster.samplesMs, 99), percentile(onSingle.samplesMs, 99), 'ms p99') };
  } finally {
    await stopAll(children);
    await cluster?.stop();
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    singleData.remove();
    clusterData.remove();
  }
}

export const clusterFanoutFigure: Figure = { name: 'cluster', run };
