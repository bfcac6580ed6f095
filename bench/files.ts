/**
 * File benchmarks (`tsx bench/files.ts`, or `BENCH_STORES=local,s3`):
 *  - upload.rss: peak resident memory of a server process while it takes a 100 MB upload,
 *    against its resident memory just before (a streamed upload must not grow with the file);
 *  - cleanup.10k: the time OrphanCleanupService takes to remove 10,000 objects of ended sessions.
 * Each prints one JSON line. A private redis-server keeps the queues off any Redis in use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { loadConfig } from '../src/server/config/env.js';
import { createDatabase } from '../src/server/db/database.js';
import { AuditService } from '../src/server/services/audit/audit.service.js';
import { SYSTEM_ACTOR } from '../src/server/services/actor.js';
import { discardEvents } from '../src/server/services/event-publisher.js';
import { OrphanCleanupService } from '../src/server/services/files/orphan-cleanup.service.js';
import { createObjectStore } from '../src/server/storage/create-object-store.js';
import { sessionFileKey } from '../src/server/storage/keys.js';
import { startServerProcess } from '../test/support/server-process.js';
import { startS3rver, type S3Server } from '../test/support/s3rver.js';
import { CREDENTIAL_COOKIE } from '../src/shared/limits.js';
import { freePort } from '../src/server/redis/free-port.js';

export type StoreKind = 'local' | 's3';
const MB = 1_000_000;

async function privateRedis(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.once('error', () => { resolve(false); });
    });
    if (open) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start (is it installed? apt-get install -y redis-server)');
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMb: Math.round(field('VmRSS')), peakMb: Math.round(field('VmHWM')) };
}

/** Uploads `bytes` generated on the fly (never held whole by this process) to a server process, sampling its RSS. */
export async function runUploadRssBench(store: StoreKind, bytes = 100 * MB) {
  const redis = await privateRedis();
  const s3: S3Server | undefined = store === 's3' ? await startS3rver() : undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-bench-files-'));
  const server = await startServerProcess({ DATA_DIR: dataDir, REDIS_URL: redis.url, MAX_UPLOAD_BYTES: String(2 * bytes), RATE_LIMIT_PER_MINUTE: '100000', ...s3?.env });
  try {
    const pid = server.child.pid ?? 0;
    const generated = await fetch(`${server.url}/api/session/generate-uuid`, { method: 'POST' });
    const { sessionId } = (await generated.json()) as { sessionId: string };
    const credential = generated.headers.getSetCookie().map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith(`${CREDENTIAL_COOKIE}=`)) ?? '';
    // Warm up (first upload loads the upload path's modules), then settle.
    await fetch(`${server.url}/api/files?sessionId=${sessionId}&name=warm.bin`, { method: 'POST', headers: { cookie: credential }, body: randomBytes(1024) });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = memoryOf(pid);

    const chunk = randomBytes(256 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= bytes) { controller.close(); return; }
        const size = Math.min(chunk.length, bytes - sent);
        controller.enqueue(new Uint8Array(chunk.subarray(0, size)));
        sent += size;
      },
    });
    let peakSampled = before.rssMb;
    const sampler = setInterval(() => { peakSampled = Math.max(peakSampled, memoryOf(pid).rssMb); }, 20);
    const started = performance.now();
    const response = await fetch(`${server.url}/api/files?sessionId=${sessionId}&name=big.bin`, {
      method: 'POST',
      headers: { cookie: credential, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    const ms = performance.now() - started;
    clearInterval(sampler);
    if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    const after = memoryOf(pid);
    return {
      bench: 'upload.rss',
      store,
      uploadMb: bytes / MB,
      rssBeforeMb: before.rssMb,
      peakRssDuringMb: Math.max(peakSampled, after.rssMb),
      peakRssProcessLifetimeMb: after.peakMb,
      growthMb: Math.max(peakSampled, after.rssMb) - before.rssMb,
      seconds: Math.round(ms / 100) / 10,
      mbPerSecond: Math.round((bytes / MB / (ms / 1000)) * 10) / 10,
    };
  } finally {
    await server.stop();
    await s3?.stop();
    redis.stop();
  }
}

/** 10,000 objects of 500 sessions that ended two days ago: how long one cleanup run takes to remove them. */
export async function runCleanupBench(store: StoreKind, objects = 10_000, perSession = 20) {
  const s3: S3Server | undefined = store === 's3' ? await startS3rver() : undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-bench-cleanup-'));
  const config = loadConfig({ DATA_DIR: dataDir, ...s3?.env });
  const db = createDatabase(config.databaseUrl);
  const storage = createObjectStore(config);
  try {
    await db.migrate();
    const endedAt = new Date(Date.now() - 2 * 86_400_000);
    const sessions = Array.from({ length: Math.ceil(objects / perSession) }, () => randomUUID());
    await db.models.UserSession.bulkCreate(
      sessions.map((id) => ({ id, tokenHash: randomBytes(32).toString('hex'), status: 'reset' as const, createdAt: endedAt, lastSeenAt: endedAt, expiresAt: endedAt, endedAt, version: 2 })),
    );
    const rows = sessions.flatMap((sessionId) =>
      Array.from({ length: perSession }, (_, i) => {
        const id = randomUUID();
        return { id, sessionId, objectKey: sessionFileKey(sessionId, id, `f${i}.txt`), name: `f${i}.txt`, contentType: 'text/plain', size: 8, status: 'stored' as const, createdAt: endedAt, updatedAt: endedAt };
      }),
    ).slice(0, objects);
    for (let i = 0; i < rows.length; i += 1000) await db.models.SessionFile.bulkCreate(rows.slice(i, i + 1000));
    const seedStarted = performance.now();
    for (let i = 0; i < rows.length; i += 100) {
      await Promise.all(rows.slice(i, i + 100).map((row) => storage.put(row.objectKey, Readable.from([Buffer.from('8 bytes.')]))));
    }
    const seedMs = performance.now() - seedStarted;

    const cleanup = new OrphanCleanupService({ db, storage, audit: new AuditService({ db, clock: () => new Date() }), events: discardEvents, clock: () => new Date(), graceMs: 86_400_000 });
    const started = performance.now();
    const report = await cleanup.run(SYSTEM_ACTOR);
    const ms = performance.now() - started;
    if (report.endedSessionObjects !== rows.length) throw new Error(`cleanup removed ${report.endedSessionObjects} of ${rows.length} objects`);
    return {
      bench: 'cleanup.10k',
      store,
      database: db.dialect,
      objects: rows.length,
      sessions: sessions.length,
      seconds: Math.round(ms / 10) / 100,
      objectsPerSecond: Math.round(rows.length / (ms / 1000)),
      seedSeconds: Math.round(seedMs / 100) / 10,
    };
  } finally {
    await storage.close();
    await db.close();
    await s3?.stop();
  }
}
