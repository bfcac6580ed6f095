import { runSyncBench } from './sync.js';

/** `npm run bench`: each benchmark prints one JSON line of numbers. */
const sync = await runSyncBench(Number(process.env.BENCH_TABS ?? 200));
console.log(JSON.stringify({ bench: 'sync.fanout', ...sync, p50Ms: Math.round(sync.p50Ms * 10) / 10, p95Ms: Math.round(sync.p95Ms * 10) / 10, maxMs: Math.round(sync.maxMs * 10) / 10 }));
