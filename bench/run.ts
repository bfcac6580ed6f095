import { runCleanupBench, runUploadRssBench, type StoreKind } from './files.js';
import { runSyncBench } from './sync.js';

/** `npm run bench`: each benchmark prints one JSON line of numbers. */
const round = (ms: number) => Math.round(ms * 10) / 10;

const sync = await runSyncBench(Number(process.env.BENCH_TABS ?? 200));
console.log(JSON.stringify({ bench: 'sync.fanout', ...sync, p50Ms: round(sync.p50Ms), p95Ms: round(sync.p95Ms), maxMs: round(sync.maxMs) }));

const stores = (process.env.BENCH_STORES ?? 'local,s3').split(',').filter((kind): kind is StoreKind => kind === 'local' || kind === 's3');
for (const store of stores) console.log(JSON.stringify(await runUploadRssBench(store)));
for (const store of stores) console.log(JSON.stringify(await runCleanupBench(store)));
