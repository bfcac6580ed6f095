/**
 * storm.resume_s: one of two servers holding 10,000 tabs is killed; its tabs come back to the
 * other (with the client's jittered backoff, resuming from the last event they had) while that
 * server admits upgrades at its bounded rate (WS_MAX_UPGRADES_PER_SECOND, the default 500). Timed
 * from the kill until every tab is subscribed again and has the message each session was sent
 * while they were away; then a message sent after the storm must reach every tab too. The floor
 * is the least the admission bound allows: the killed server's tabs over the rate.
 *
 * storm.peak_rss_mb: the survivor's highest RSS during the storm (sampled every 100 ms), beside its
 * RSS once it holds all the tabs at rest. storm.lost_events: tabs that missed a message (goal 0).
 */
import { randomBytes } from 'node:crypto';
import type { AwaitMarkers, MarkersSeen, OpenStormTabs, StormStatus } from '../load/storm.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSessions, type BenchSession } from '../lib/sessions.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';

const TABS = QUICK ? 500 : 10_000;
const SESSIONS = QUICK ? 10 : 100;
/** The server's default (src/server/config/env.ts), stated so the floor is computed from it. */
const UPGRADES_PER_SECOND = 500;
const MB = 1024 * 1024;

async function sendToEach(url: string, sessions: BenchSession[], marker: string): Promise<void> {
  await Promise.all(sessions.map(async (session) => {
    const response = await fetch(`${url}/api/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie },
      body: JSON.stringify({ sessionId: session.sessionId, text: marker }),
    });
    if (!response.ok) throw new Error(`chat.send answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }));
}

async function run(ctx: FigureContext): Promise<Results> {
  const data = freshDataDir('storm');
  const prefix = freshPrefix('storm');
  const children: BenchChild<unknown>[] = [];
  try {
    const env = {
      DATA_DIR: data.dir,
      REDIS_URL: ctx.redisUrl,
      BENCH_REDIS_PREFIX: prefix,
      ...LIMITS_LIFTED,
      // The one limit the figure is about stays at the server's default.
      WS_MAX_UPGRADES_PER_SECOND: String(UPGRADES_PER_SECOND),
      PORT: '0',
    };
    const doomed = await forkChild<TabsyncReady>('servers/tabsync.ts', { env });
    children.push(doomed);
    const survivor = await forkChild<TabsyncReady>('servers/tabsync.ts', { env });
    children.push(survivor);
    const sessions = await generateSessions(survivor.ready.url, SESSIONS);
    const tabs = await forkChild('load/storm.ts');
    children.push(tabs);

    const mark = (name: string) => `storm-mark-${name}-${randomBytes(4).toString('hex')}`;
    const waitFor = (markers: string[], timeoutMs: number) => tabs.call<MarkersSeen>('awaitMarkers', { markers, timeoutMs } satisfies AwaitMarkers);

    await tabs.call<StormStatus>('open', { wsUrls: [doomed.ready.url, survivor.ready.url], count: TABS, sessions } satisfies OpenStormTabs);
    const opened = await tabs.call<StormStatus>('awaitSubscribed', { timeoutMs: 120_000 });
    if (opened.subscribed < TABS) throw new Error(`only ${opened.subscribed} of ${TABS} tabs subscribed`);
    // Every tab then holds an event id to resume from, as a tab that has shown the conversation does.
    const before = mark('before');
    await sendToEach(survivor.ready.url, sessions, before);
    const settled = await waitFor([before], 30_000);
    if (settled.missing > 0) throw new Error(`${settled.missing} tabs never had the first message`);
    const calmRss = await survivor.call<number>('rss');

    let peakRss = calmRss;
    const sampler = setInterval(() => {
      void survivor.call<number>('rss').then((rss) => { peakRss = Math.max(peakRss, rss); }, () => undefined);
    }, 100);
    await tabs.call('redirect', { url: survivor.ready.url });
    const killedAt = performance.now();
    await doomed.kill();
    const during = mark('during');
    await sendToEach(survivor.ready.url, sessions, during);
    const resumed = await waitFor([before, during], 120_000);
    const resumeSeconds = (performance.now() - killedAt) / 1000;
    clearInterval(sampler);
    const after = mark('after');
    await sendToEach(survivor.ready.url, sessions, after);
    const live = await waitFor([before, during, after], 30_000);
    const restingRss = await survivor.call<number>('rss');
    const { refusedUpgrades } = await tabs.call<StormStatus>('status');

    const movedTabs = Math.ceil(TABS / 2);
    ctx.log(
      `storm: ${movedTabs} of ${TABS} tabs moved to the survivor in ${round(resumeSeconds, 1)} s (${resumed.missing} not back with the message sent meanwhile), ` +
        `${refusedUpgrades} upgrades refused or failed on the way; survivor RSS ${round(calmRss / MB, 1)} MB before, peak ${round(peakRss / MB, 1)} MB, ${round(restingRss / MB, 1)} MB after; ` +
        `${live.missing} tabs missed a message at the end`,
    );
    return {
      'storm.resume_s': measure(resumeSeconds, movedTabs / UPGRADES_PER_SECOND, 's'),
      'storm.peak_rss_mb': measure(peakRss / MB, restingRss / MB, 'MB'),
      'storm.lost_events': measure(live.missing, 0, 'tabs'),
    };
  } finally {
    await stopAll(children);
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

export const stormFigure: Figure = { name: 'storm', run };
