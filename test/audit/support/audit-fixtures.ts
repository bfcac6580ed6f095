import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../../src/server/config/env.js';
import { createDatabase, type Database } from '../../../src/server/db/database.js';
import type { Actor, Clock } from '../../../src/server/services/actor.js';
import { AuditService, type AuditServiceOptions } from '../../../src/server/services/audit/audit.service.js';
import { AuditStore } from '../../../src/server/services/audit/audit-store.js';
import { createObjectStore } from '../../../src/server/storage/create-object-store.js';
import type { ObjectStore } from '../../../src/server/storage/object-store.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../support/databases.js';
import { useForBlock } from '../../support/per-block.js';
import { startS3rver } from '../../support/s3rver.js';
import type { StoreKind } from '../../support/store-kinds.js';

export interface ChainDatabase {
  readonly testDb: TestDatabase;
  readonly db: Database;
  readonly rows: AuditStore;
  /** An AuditService on this database (another one for each call: a second writer, as a second instance would have). */
  audit(options?: Partial<AuditServiceOptions>): AuditService;
}

/** A fresh migrated database for the enclosing describe block. */
export function useChainDatabase(kind: DatabaseKind): ChainDatabase {
  let testDb: TestDatabase | undefined;
  let db: Database | undefined;
  const opened: AuditService[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    db = createDatabase(testDb.url);
    await db.migrate();
  });
  afterAll(async () => {
    for (const audit of opened) await audit.close();
    await db?.close();
    await testDb?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the database is not ready: use it inside a test');
    return value;
  };
  return {
    get testDb() { return ready(testDb); },
    get db() { return ready(db); },
    get rows() { return new AuditStore(ready(db)); },
    audit(options = {}) {
      const audit = new AuditService({ db: ready(db), clock: () => new Date(), ...options });
      opened.push(audit);
      return audit;
    },
  };
}

export function actor(label = 'audit-test'): Actor {
  return { ip: '192.0.2.10', userAgent: label, requestId: randomUUID() };
}

/** Records `count` rows at once through `audit`, as concurrent requests would. */
export async function recordMany(audit: AuditService, count: number, label = 'audit-test', clock?: Clock): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      audit.record({ event: 'session.validated', outcome: 'success', sessionId: randomUUID(), actor: actor(label), metadata: { index, at: (clock ?? (() => new Date()))().toISOString() } }),
    ),
  );
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run audit:verify` itself, in a child process, against the database (and object store) `env` names. */
export function runAuditVerify(env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'audit:verify'],
      { cwd: path.resolve('.'), env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** The whole of one object. */
export async function bytesOf(store: ObjectStore, key: string): Promise<Buffer> {
  return buffer((await store.get(key)).body);
}

/** The environment that points the CLI at a test database (its object store under the same data dir). */
export function cliEnv(testDb: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: testDb.url, DATA_DIR: testDb.dataDir, ...extra };
}

export interface ArchiveStore {
  /** What the archiver writes to and audit:verify reads: the local disk under the data dir, or s3rver. */
  readonly objects: ObjectStore;
  /** The environment of an audit:verify run on the database and this store. */
  readonly env: Record<string, string>;
}

/** The object store of `c`'s database for the enclosing describe block (declare it after `c`). */
export function useArchiveStore(c: ChainDatabase, kind: StoreKind): ArchiveStore {
  return useForBlock('the archive store', async () => {
    const s3 = kind === 's3' ? await startS3rver() : undefined;
    const env = cliEnv(c.testDb, s3?.env);
    return { objects: createObjectStore(loadConfig({ NODE_ENV: 'test', ...env })), env, stopS3: () => s3?.stop() };
  }, async ({ objects, stopS3 }) => {
    await objects.close();
    await stopS3();
  });
}
