/**
 * A worker process for the tests: the real composition (createWorkerApp) and the real signal
 * handling (closeOnSignals), with the test's Redis prefix, short stalled-job timings and, when
 * asked, slow moves so that jobs are in flight when the test kills it.
 * Options arrive as JSON in TABSYNC_TEST_WORKER; everything else is the ordinary environment.
 */
import { z } from 'zod';
import { closeOnSignals, createWorkerApp } from '../../jobs/worker-app.js';
import { loadConfig } from '../../src/server/config/env.js';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import { slowMoves } from './store-wrappers.js';

const options = z
  .object({
    redisPrefix: z.string(),
    lockDuration: z.number().int().positive(),
    stalledInterval: z.number().int().positive(),
    slowMoveMs: z.number().int().nonnegative().default(0),
  })
  .parse(JSON.parse(process.env.TABSYNC_TEST_WORKER ?? '{}'));

const config = loadConfig();
const store = createObjectStore(config);
const app = await createWorkerApp(config, {
  redisPrefix: options.redisPrefix,
  storage: options.slowMoveMs > 0 ? slowMoves(store, options.slowMoveMs) : store,
  scheduleMaintenance: false,
  workerOptions: { lockDuration: options.lockDuration, stalledInterval: options.stalledInterval, maxStalledCount: 2 },
});
closeOnSignals(app);
