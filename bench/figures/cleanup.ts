/**
 * cleanup.*: one run of the orphan cleanup (the service the cleanup-orphans job runs, built by the
 * workers' own composition root) over 10,000 objects of 1,000 sessions that ended two days ago,
 * beside objects that must survive: active sessions' and those of sessions ended within the grace
 * period. The floor deletes exactly the orphaned keys, known in advance, in 1,000-key batches
 * straight against the store (on disk: unlink, then rmdir of the directories they leave; on S3:
 * DeleteObjects), and so leaves the store as the cleanup does. wrong_deletions counts
 * surviving objects that vanished (the floor's count is taken the same way).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import type * as WorkerAppModule from '../../jobs/worker-app.js';
import type * as ConfigModule from '../../src/server/config/env.js';
import type * as LoggerModule from '../../src/server/logger.js';
import type * as ActorModule from '../../src/server/services/actor.js';
import type { ObjectStore } from '../../src/server/storage/object-store.js';
import { sessionFileKey } from '../../src/server/storage/keys.js';
import { startS3rver, type S3Server } from '../../test/support/s3rver.js';
import { fromDist } from '../lib/dist.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { QUICK, TURNS } from '../lib/settings.js';
import { round } from '../lib/stats.js';

type WorkerApp = WorkerAppModule.WorkerApp;

const ENDED_SESSIONS = QUICK ? 100 : 1000;
const OBJECTS_PER_SESSION = 10;
const ACTIVE_SESSIONS = QUICK ? 10 : 100;
const RECENTLY_ENDED_SESSIONS = QUICK ? 5 : 50;
const BATCH = 1000;
const DAY_MS = 86_400_000;

type Store = 'local' | 's3';

interface Seeded {
  orphaned: string[];
  survivors: string[];
}

/** Puts objects `parallel` at a time: seeding is not measured, only kept off the critical path of a slow store. */
async function putAll(storage: ObjectStore, keys: string[], parallel = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < keys.length) {
        const key = keys[next++];
        if (key) await storage.put(key, Readable.from([Buffer.from('8 bytes.')]));
      }
    }),
  );
}

async function seed(worker: WorkerApp): Promise<Seeded> {
  const now = Date.now();
  const session = (status: 'active' | 'reset', endedAt: Date | null) => ({
    id: randomUUID(),
    tokenHash: randomBytes(32).toString('hex'),
    status,
    createdAt: new Date(now - 3 * DAY_MS),
    lastSeenAt: endedAt ?? new Date(now),
    expiresAt: status === 'active' ? new Date(now + 7 * DAY_MS) : (endedAt ?? new Date(now)),
    endedAt,
    version: status === 'active' ? 1 : 2,
  });
  const ended = Array.from({ length: ENDED_SESSIONS }, () => session('reset', new Date(now - 2 * DAY_MS)));
  const active = Array.from({ length: ACTIVE_SESSIONS }, () => session('active', null));
  // Ended an hour ago: within the 24 h grace period, so their files must stay.
  const recent = Array.from({ length: RECENTLY_ENDED_SESSIONS }, () => session('reset', new Date(now - 3_600_000)));
  await worker.db.models.UserSession.bulkCreate([...ended, ...active, ...recent]);

  const files = (sessions: typeof ended) =>
    sessions.flatMap((owner) =>
      Array.from({ length: OBJECTS_PER_SESSION }, (_, i) => {
        const id = randomUUID();
        const at = owner.endedAt ?? new Date(now);
        return { id, sessionId: owner.id, objectKey: sessionFileKey(owner.id, id, `f${i}.txt`), name: `f${i}.txt`, contentType: 'text/plain', size: 8, status: 'stored' as const, createdAt: at, updatedAt: at };
      }),
    );
  const orphanedRows = files(ended);
  const survivorRows = [...files(active), ...files(recent)];
  const rows = [...orphanedRows, ...survivorRows];
  for (let i = 0; i < rows.length; i += BATCH) await worker.db.models.SessionFile.bulkCreate(rows.slice(i, i + BATCH));
  const seeded = { orphaned: orphanedRows.map((row) => row.objectKey), survivors: survivorRows.map((row) => row.objectKey) };
  await putAll(worker.storage, [...seeded.orphaned, ...seeded.survivors]);
  return seeded;
}

async function missing(storage: ObjectStore, keys: string[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < keys.length; i += 100) {
    const heads = await Promise.all(keys.slice(i, i + 100).map((key) => storage.head(key)));
    count += heads.filter((head) => head === null).length;
  }
  return count;
}

/**
 * The directories that `keys` leave on disk once their files are gone, deepest first, one level per
 * entry (`sessions/<sid>/files/<fid>/`, then `sessions/<sid>/files/`, then `sessions/<sid>/`):
 * nothing but these keys is under them here, so all of them go.
 */
function directoriesByDepth(root: string, keys: string[]): string[][] {
  const levels = new Map<number, Set<string>>();
  for (const key of keys) {
    const segments = key.split('/');
    // From the file's own directory up to the session's, not `sessions/` itself.
    for (let depth = segments.length - 1; depth >= 2; depth -= 1) {
      const level = levels.get(depth) ?? new Set<string>();
      level.add(path.join(root, ...segments.slice(0, depth)));
      levels.set(depth, level);
    }
  }
  return [...levels.entries()].sort(([a], [b]) => b - a).map(([, level]) => [...level]);
}

/**
 * The floor: the known keys, 1,000 per batch, straight to the store. On disk a key is a file and
 * the directories its path made, so the floor ends where the store's own deletion (and so the
 * cleanup) ends: the files unlinked, then their emptied directories removed, 1,000 at a time.
 * Unlinking the files alone would leave their directories behind, empty; the figure logs that
 * part's time too.
 */
function directDelete(store: Store, root: string, s3: S3Server | undefined, ctx: FigureContext): (keys: string[]) => Promise<void> {
  if (store === 'local') {
    return async (keys) => {
      const started = performance.now();
      for (let i = 0; i < keys.length; i += BATCH) {
        await Promise.all(keys.slice(i, i + BATCH).map((key) => unlink(path.join(root, ...key.split('/')))));
      }
      const unlinkedMs = performance.now() - started;
      for (const level of directoriesByDepth(root, keys)) {
        for (let i = 0; i < level.length; i += BATCH) await Promise.all(level.slice(i, i + BATCH).map((directory) => rmdir(directory)));
      }
      ctx.log(`cleanup local direct: files unlinked in ${round(unlinkedMs, 0)} ms, their directories removed in ${round(performance.now() - started - unlinkedMs, 0)} ms`);
    };
  }
  if (!s3) throw new Error('no S3 server');
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return async (keys) => {
    for (let i = 0; i < keys.length; i += BATCH) {
      await client.send(new DeleteObjectsCommand({ Bucket: s3.bucket, Delete: { Objects: keys.slice(i, i + BATCH).map((Key) => ({ Key })), Quiet: true } }));
    }
  };
}

interface Turn {
  oursMs: number;
  floorMs: number;
  oursWrong: number;
  floorWrong: number;
}

/** One seeding, one timed cleanup run, the same orphaned keys put back, one timed direct deletion. */
async function runOnce(store: Store, ctx: FigureContext): Promise<Turn> {
  const data = freshDataDir(`cleanup-${store}`);
  const prefix = freshPrefix(`cleanup-${store}`);
  const s3 = store === 's3' ? await startS3rver() : undefined;
  // The workers as `npm run worker` runs them (lib/dist.ts), in this process.
  const { createWorkerApp } = await fromDist<typeof WorkerAppModule>('jobs/worker-app.js');
  const { loadConfig } = await fromDist<typeof ConfigModule>('src/server/config/env.js');
  const { createLogger } = await fromDist<typeof LoggerModule>('src/server/logger.js');
  const { SYSTEM_ACTOR } = await fromDist<typeof ActorModule>('src/server/services/actor.js');
  const config = loadConfig({ DATA_DIR: data.dir, REDIS_URL: ctx.redisUrl, LOG_LEVEL: 'warn', ...s3?.env });
  let worker: WorkerApp | undefined;
  try {
    // Maintenance is not scheduled: the only cleanup run is the one timed here.
    worker = await createWorkerApp(config, { redisPrefix: prefix, scheduleMaintenance: false, log: createLogger('warn', 'json') });
    const seeded = await seed(worker);
    ctx.log(`cleanup ${store}: seeded ${seeded.orphaned.length} orphaned objects of ${ENDED_SESSIONS} sessions and ${seeded.survivors.length} that must stay`);

    const started = performance.now();
    const report = await worker.services.cleanup.run(SYSTEM_ACTOR);
    const oursMs = performance.now() - started;
    const oursWrong = await missing(worker.storage, seeded.survivors);
    const left = seeded.orphaned.length - (await missing(worker.storage, seeded.orphaned));
    ctx.log(`cleanup ${store} Tabsync: ${round(oursMs, 0)} ms, ${report.endedSessionObjects} deleted, ${left} orphaned left, ${oursWrong} wrongly deleted`);
    if (left > 0) throw new Error(`cleanup ${store}: ${left} orphaned objects were left behind`);

    // The same keys again, for the floor to delete.
    await putAll(worker.storage, seeded.orphaned);
    const remove = directDelete(store, path.join(data.dir, 'objects'), s3, ctx);
    const floorStarted = performance.now();
    await remove(seeded.orphaned);
    const floorMs = performance.now() - floorStarted;
    const floorWrong = await missing(worker.storage, seeded.survivors);
    ctx.log(`cleanup ${store} direct ${BATCH}-key batches: ${round(floorMs, 0)} ms`);
    return { oursMs, floorMs, oursWrong, floorWrong };
  } finally {
    await worker?.close();
    await s3?.stop();
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

/**
 * Each store runs TURNS times, and each side keeps its fastest time: s3rver shares the machine's
 * cores with both, and one run of it read anywhere from 1.2 to 1.8 times its floor. A wrong
 * deletion in any turn counts.
 */
async function runStore(store: Store, ctx: FigureContext): Promise<Results> {
  const turns: Turn[] = [];
  for (let i = 0; i < TURNS; i += 1) turns.push(await runOnce(store, ctx));
  const key = store === 'local' ? 'cleanup' : 'cleanup.s3';
  const sum = (pick: (turn: Turn) => number) => turns.reduce((total, turn) => total + pick(turn), 0);
  return {
    [`${key}.time_ratio`]: measure(Math.min(...turns.map((turn) => turn.oursMs)), Math.min(...turns.map((turn) => turn.floorMs)), 'ms'),
    [`${key}.wrong_deletions`]: measure(sum((turn) => turn.oursWrong), sum((turn) => turn.floorWrong), 'objects'),
  };
}

export const cleanupFigure: Figure = { name: 'cleanup', run: (ctx) => runStore('local', ctx) };
/** Apart, so that it can be left out or run alone: seeding 11,500 objects into s3rver takes a while. */
export const cleanupS3Figure: Figure = { name: 'cleanup-s3', run: (ctx) => runStore('s3', ctx) };
