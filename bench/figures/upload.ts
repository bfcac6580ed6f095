/**
 * upload.*: one 100 MB upload (POST /api/files, raw body) to a Tabsync server process, with its
 * RSS sampled from /proc every 10 ms; growth is the peak during the upload over the RSS just
 * before (after a warm-up upload and full collections). The floor is a bare node:http handler
 * streaming the same bytes into the same store. Local disk and S3 (s3rver) each get keys of their
 * own; `upload.rss_growth_mb` is the worse of the two and `upload.throughput_ratio` the lower.
 */
import type { UploadRequest, UploadResult } from '../load/upload.js';
import type { Figure, FigureContext, Measure, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { samplePeakRss, rssBytesOf, toMb } from '../lib/memory.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSession } from '../lib/sessions.js';
import { QUICK } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';
import { startS3rver, type S3Server } from '../../test/support/s3rver.js';

const BYTES = QUICK ? 10_000_000 : 100_000_000;
type Store = 'local' | 's3';

interface UploadRun {
  growthMb: number;
  mbPerSecond: number;
}

/** Uploads once to warm the path, collects garbage, then uploads BYTES while sampling the server's RSS. */
async function measureUpload(
  server: BenchChild<{ url: string }>,
  target: (name: string) => Omit<UploadRequest, 'bytes'>,
  label: string,
  log: (line: string) => void,
): Promise<UploadRun> {
  const load = await forkChild('load/upload.ts');
  try {
    const check = (result: UploadResult) => {
      if (result.status < 200 || result.status > 299) throw new Error(`${label}: the upload answered ${result.status}: ${result.body}`);
    };
    check(await load.call<UploadResult>('upload', { ...target('warm.bin'), bytes: 1_000_000 }));
    await server.call('memory');
    const before = rssBytesOf(server.pid);
    const sampler = samplePeakRss(server.pid);
    const result = await load.call<UploadResult>('upload', { ...target('big.bin'), bytes: BYTES });
    const peak = sampler.stop();
    check(result);
    const run = { growthMb: toMb(peak - before), mbPerSecond: BYTES / 1e6 / (result.ms / 1000) };
    log(`${label}: RSS ${round(toMb(before), 0)} → peak ${round(toMb(peak), 0)} MB (+${round(run.growthMb, 1)}), ${round(run.mbPerSecond, 1)} MB/s`);
    return run;
  } finally {
    await load.stop();
  }
}

async function runStore(store: Store, ctx: FigureContext): Promise<{ growth: Measure; throughput: Measure }> {
  const data = freshDataDir(`upload-${store}`);
  const prefix = freshPrefix(`upload-${store}`);
  const children: BenchChild<unknown>[] = [];
  let s3: S3Server | undefined;
  try {
    if (store === 's3') s3 = await startS3rver();
    const env = { DATA_DIR: data.dir, REDIS_URL: ctx.redisUrl, ...s3?.env };
    const tabsync = await forkChild<TabsyncReady>('servers/tabsync.ts', {
      exposeGc: true,
      env: {
        ...env,
        BENCH_REDIS_PREFIX: prefix,
        PORT: '0',
        RATE_LIMIT_PER_MINUTE: '1000000',
        UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
        MAX_UPLOAD_BYTES: String(2 * BYTES),
        SESSION_MAX_STORED_BYTES: String(10 * BYTES),
      },
    });
    children.push(tabsync);
    const session = await generateSession(tabsync.ready.url);
    const ours = await measureUpload(
      tabsync,
      (name) => ({ url: `${tabsync.ready.url}/api/files?sessionId=${session.sessionId}&name=${name}`, headers: { cookie: session.cookie, 'content-type': 'application/octet-stream' } }),
      `upload ${store} Tabsync`,
      ctx.log,
    );
    await tabsync.stop();

    const bare = await forkChild<{ url: string }>('servers/upload-floor.ts', { exposeGc: true, env });
    children.push(bare);
    const floor = await measureUpload(bare, () => ({ url: `${bare.ready.url}/`, headers: { 'content-type': 'application/octet-stream' } }), `upload ${store} bare handler`, ctx.log);
    return { growth: measure(ours.growthMb, floor.growthMb, 'MB'), throughput: measure(ours.mbPerSecond, floor.mbPerSecond, 'MB/s') };
  } finally {
    await stopAll(children);
    await s3?.stop();
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

async function run(ctx: FigureContext): Promise<Results> {
  const local = await runStore('local', ctx);
  const s3 = await runStore('s3', ctx);
  return {
    'upload.local.rss_growth_mb': local.growth,
    'upload.s3.rss_growth_mb': s3.growth,
    'upload.rss_growth_mb': local.growth.ours >= s3.growth.ours ? local.growth : s3.growth,
    'upload.local.throughput_ratio': local.throughput,
    'upload.s3.throughput_ratio': s3.throughput,
    'upload.throughput_ratio': local.throughput.ratio <= s3.throughput.ratio ? local.throughput : s3.throughput,
  };
}

export const uploadFigure: Figure = { name: 'upload', run };
