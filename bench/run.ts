/**
 * `npm run bench [-- figure…]`: measures Tabsync's hot paths beside their floors or peers, in one
 * run, and writes bench/results.json. A figure is picked by its name or the part before a dash
 * (`validate` picks validate and validate-pg; `fanout` and `fanout2` are apart); no argument runs
 * them all. `BENCH_QUICK=1` is a short smoke run; `BENCH_RESULTS` writes elsewhere;
 * `BENCH_CPU_PROF=<dir>` has every server process write a CPU profile there. Tabsync's servers run
 * the compiled dist/, built first when stale (bench/servers/tabsync.ts).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from '../scripts/dist-build.mjs';
import { locateRedis } from '../src/server/redis/locate-redis.js';
import { capacityFigure } from './figures/capacity.js';
import { cleanupFigure, cleanupS3Figure } from './figures/cleanup.js';
import { clusterFanoutFigure } from './figures/cluster-fanout.js';
import { fanoutFigure, fanoutTenThousandFigure, fanoutTwoInstancesFigure } from './figures/fanout.js';
import { pageLoadFigure } from './figures/page-load.js';
import { slowReadersFigure } from './figures/slow-readers.js';
import { stormFigure } from './figures/storm.js';
import { uploadFigure } from './figures/upload.js';
import { validateFigure, validatePostgresFigure } from './figures/validate.js';
import { wsMemoryFigure } from './figures/ws-memory.js';
import type { Figure } from './lib/figure.js';
import { printTable, writeResults } from './lib/report.js';
import { findPostgres, freshDataDir } from './lib/resources.js';
import { runFigures } from './lib/runner.js';
import { QUICK } from './lib/settings.js';

// The AWS SDK's notice that it will want Node 22 next year, printed once by every process that
// talks to S3, says nothing about the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const FIGURES: Figure[] = [validateFigure, validatePostgresFigure, fanoutFigure, fanoutTwoInstancesFigure, fanoutTenThousandFigure, clusterFanoutFigure, wsMemoryFigure, slowReadersFigure, uploadFigure, cleanupFigure, cleanupS3Figure, pageLoadFigure, capacityFigure, stormFigure];

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const picked = wanted.length === 0 ? FIGURES : FIGURES.filter((figure) => wanted.some((name) => figure.name === name || figure.name.startsWith(`${name}-`)));
if (picked.length === 0) {
  console.error(`No figure is named ${wanted.join(', ')}. Figures: ${FIGURES.map((figure) => figure.name).join(', ')}.`);
  process.exit(2);
}

const log = (line: string) => { console.log(line); };
const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
})();
log(`Tabsync bench${QUICK ? ' (BENCH_QUICK: smoke run, not figures to quote)' : ''}: commit ${commit}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);

// REDIS_URL, else 127.0.0.1:6379 when it answers, else a private redis-server: the app's own rule.
const redisDir = freshDataDir('redis');
const redis = await locateRedis({ redisUrl: process.env.REDIS_URL, dataDir: redisDir.dir });
const postgresAdminUrl = await findPostgres();
log(`Redis: ${redis.url}; PostgreSQL: ${postgresAdminUrl ? 'answers' : 'does not answer (PostgreSQL figures are skipped)'}`);

try {
  // Tabsync's servers run the compiled dist/, as `npm start` does (bench/servers/tabsync.ts).
  await buildIfStale(['code'], { say: log });
  const { results, rows, failed } = await runFigures(picked, { redisUrl: redis.url, postgresAdminUrl, log });
  log('');
  printTable(results, rows);
  const file = process.env.BENCH_RESULTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
  writeResults(file, results);
  log(`\nwritten: ${file}`);
  if (failed.length > 0) {
    log(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await redis.stop();
  redisDir.remove();
}
