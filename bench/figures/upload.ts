/**
 * upload.*: one 100 MB upload (POST /api/files, raw body) to a Tabsync server process, with its
 * RSS sampled from /proc every 10 ms; growth is the peak during the upload over the RSS just
 * before (after a warm-up upload and full collections), over three uploads; throughput is the
 * best of the three. The floor is a bare node:http handler streaming the same bytes into the same
 * store, in a process of its own beside Tabsync's; the two take turns. Local disk and S3 (s3rver) each get keys of their
 * own; `upload.rss_growth_mb` is the worse of the two and `upload.throughput_ratio` the lower.
 */
import type { UploadRequest, UploadResult } from '../load/upload.js';
import type { Figure, FigureContext, Measure, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { samplePeakRss, rssBytesOf, toMb } from '../lib/memory.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { generateSession } from '../lib/sessions.js';
import { QUICK, TURNS } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';
import { startS3rver, type S3Server } from '../../test/support/s3rver.js';

const BYTES = QUICK ? 10_000_000 : 100_000_000;
type Store = 'local' | 's3';

/** Big uploads per side (one more than the turns of other figures: an upload is short): throughput keeps the best, memory the highest peak of all. */
const UPLOADS = QUICK ? 1 : TURNS + 1;

interface Side {
  label: string;
  server: BenchChild<{ url: string }>;
  target: (name: string) => Omit<UploadRequest, 'bytes'>;
  /** RSS after a warm-up upload and full collections, before the first big upload. */
  baseline: number;
  peak: number;
  bestMbPerSecond: number;
}

function check(label: string, result: UploadResult): void {
  if (result.status < 200 || result.status > 299) throw new Error(`${label}: the upload answered ${result.status}: ${result.body}`);
}

async function prepare(load: BenchChild<unknown>, side: Omit<Side, 'baseline' | 'peak' | 'bestMbPerSecond'>): Promise<Side> {
  check(side.label, await load.call<UploadResult>('upload', { ...side.target('warm.bin'), bytes: 1_000_000 }));
  await side.server.call('memory');
  const baseline = rssBytesOf(side.server.pid);
  return { ...side, baseline, peak: baseline, bestMbPerSecond: 0 };
}

/** One big upload while the server's RSS is sampled. */
async function uploadOnce(load: BenchChild<unknown>, side: Side, log: (line: string) => void): Promise<void> {
  const sampler = samplePeakRss(side.server.pid);
  const result = await load.call<UploadResult>('upload', { ...side.target('big.bin'), bytes: BYTES });
  const peak = sampler.stop();
  check(side.label, result);
  const mbPerSecond = BYTES / 1e6 / (result.ms / 1000);
  side.peak = Math.max(side.peak, peak);
  side.bestMbPerSecond = Math.max(side.bestMbPerSecond, mbPerSecond);
  log(`${side.label}: RSS ${round(toMb(side.baseline), 0)} MB before, ${round(toMb(peak), 0)} MB at the peak (+${round(toMb(peak - side.baseline), 1)}), ${round(mbPerSecond, 1)} MB/s`);
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
        UPLOAD_BYTES_PER_CLIENT_PER_DAY: String(100 * BYTES),
      },
    });
    children.push(tabsync);
    const bare = await forkChild<{ url: string }>('servers/upload-floor.ts', { exposeGc: true, env });
    children.push(bare);
    const load = await forkChild('load/upload.ts');
    children.push(load);
    const session = await generateSession(tabsync.ready.url);
    const ours = await prepare(load, {
      label: `upload ${store} Tabsync`,
      server: tabsync,
      target: (name) => ({ url: `${tabsync.ready.url}/api/files?sessionId=${session.sessionId}&name=${name}`, headers: { cookie: session.cookie, 'content-type': 'application/octet-stream' } }),
    });
    const floor = await prepare(load, { label: `upload ${store} bare handler`, server: bare, target: () => ({ url: `${bare.ready.url}/`, headers: { 'content-type': 'application/octet-stream' } }) });
    // Taking turns, so that neither side gets all the quiet moments of a shared machine.
    for (let i = 0; i < UPLOADS; i += 1) {
      await uploadOnce(load, ours, ctx.log);
      await uploadOnce(load, floor, ctx.log);
    }
    return {
      growth: measure(toMb(ours.peak - ours.baseline), toMb(floor.peak - floor.baseline), 'MB'),
      throughput: measure(ours.bestMbPerSecond, floor.bestMbPerSecond, 'MB/s'),
    };
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
