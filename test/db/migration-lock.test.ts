import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryTypes } from 'sequelize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/server/db/database.js';
import { migrationLockFor } from '../../src/server/db/migration-lock-for.js';
import { MigrationLockTimeoutError } from '../../src/server/db/migration-lock.js';
import { createMigrator } from '../../src/server/db/migrator.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';
import { runMigrateCli, runTsProcess } from './support/migrate-process.js';

const MIGRATION_NAMES = ['0001-initial-schema', '0002-audit-chain', '0003-file-outcomes', '0004-chat-client-message-id'];
const WAITING = "Waiting for another process's migrations on ";
const MIGRATING = '"event":"migrating"';

/**
 * Takes the lock in this test's process and keeps it until `release`, which first runs `beforeRelease`
 * while still holding it.
 */
async function holdLock(url: string, db: Database, beforeRelease = () => Promise.resolve()): Promise<{ release: () => Promise<void> }> {
  let holding = (): void => undefined;
  let letGo = (): void => undefined;
  const held = new Promise<void>((resolve) => { holding = resolve; });
  const released = new Promise<void>((resolve) => { letGo = resolve; });
  const run = migrationLockFor(url, db.sequelize).run(async () => {
    holding();
    await released;
    await beforeRelease();
  });
  // A lock that cannot be taken at all fails here instead of leaving the test to time out.
  await Promise.race([held, run]);
  return {
    release: async () => {
      letGo();
      await run;
    },
  };
}

async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.sequelize.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name', { type: QueryTypes.SELECT });
  return rows.map((row) => row.name);
}

describe.each(DATABASE_KINDS)('migration lock on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;

  beforeEach(async () => {
    testDb = await createTestDatabase(kind);
    db = createDatabase(testDb.url);
  });

  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });

  // End-to-end smoke, not the proof of the lock: it catches a missing lock only if the five processes happen to
  // migrate at the same moment, which their start-up times do not promise. The proof is the next test, where one
  // process deterministically finds the lock held and waits. Five processes starting tsx at once take 10 s on a
  // quiet machine: the default 30 s is too close on a busy one.
  it('smoke: several processes migrating at once all succeed and each migration runs once', { timeout: 90_000 }, async () => {
    const runs = Array.from({ length: 5 }, () => runMigrateCli(testDb.url));
    const results = await Promise.all(runs.map((run) => run.exited));

    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.lines).toContain('Migrations are up to date.');
    }
    const started = results.flatMap((result) => result.lines.filter((line) => line.includes(MIGRATING)));
    expect(started).toHaveLength(MIGRATION_NAMES.length);
    for (const name of MIGRATION_NAMES) expect(started.filter((line) => line.includes(`"${name}"`))).toHaveLength(1);
    expect(await appliedMigrations(db)).toEqual(MIGRATION_NAMES);
    // 0002's own effect, once: one chain head row.
    const heads = await db.sequelize.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_chain_head', { type: QueryTypes.SELECT });
    expect(Number(heads[0]?.n)).toBe(1);
  });

  it('makes a process that finds the lock held wait, then find nothing pending', async () => {
    // The holder migrates while the other process waits.
    const holder = await holdLock(testDb.url, db, async () => { await createMigrator(db.sequelize).up(); });

    const migrate = runMigrateCli(testDb.url);
    await migrate.line(WAITING);
    await sleep(500);
    expect(migrate.child.exitCode).toBeNull();
    await holder.release();

    const result = await migrate.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines.filter((line) => line.includes(WAITING))).toHaveLength(1);
    expect(result.lines.filter((line) => line.includes(MIGRATING))).toEqual([]);
    expect(await appliedMigrations(db)).toEqual(MIGRATION_NAMES);
  });

  it('gives up waiting after its bound, with an error naming the database', async () => {
    const holder = await holdLock(testDb.url, db);

    const told: string[] = [];
    const waiter = migrationLockFor(testDb.url, db.sequelize, { timeoutMs: 400, onWait: (message) => told.push(message) });
    const started = Date.now();
    const failure = await waiter.run(() => Promise.resolve('ran')).catch((error: unknown) => error);
    const waited = Date.now() - started;

    expect(failure).toBeInstanceOf(MigrationLockTimeoutError);
    const databaseName = kind === 'sqlite' ? testDb.url.slice('sqlite:'.length) : new URL(testDb.url).pathname.slice(1);
    expect((failure as Error).message).toContain(databaseName);
    expect((failure as Error).message).toMatch(/^Gave up after 400 ms waiting for another process's migrations on /);
    expect(told).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(3000);

    await holder.release();
    // Released: the same lock is free again.
    await expect(waiter.run(() => Promise.resolve('ran'))).resolves.toBe('ran');
  });

  it('is released when the process holding it is killed', async () => {
    const holder = runTsProcess('test/db/support/hold-migration-lock.ts', { DATABASE_URL: testDb.url }, ['--expose-gc']);
    try {
      await holder.line('holding');
      const warned: string[] = [];
      const migrating = createDatabase(testDb.url, { info: () => undefined, warn: (message) => warned.push(message) });
      try {
        const migrated = migrating.migrate();
        await expect.poll(() => warned.length).toBe(1);
        holder.child.kill('SIGKILL');
        // Well inside the minute a lock left behind would make it wait.
        await migrated;
        expect(await appliedMigrations(migrating)).toEqual(MIGRATION_NAMES);
      } finally {
        await migrating.close();
      }
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
  });
});

describe('migration lock on in-memory SQLite', () => {
  it('takes no lock file: no other process can open the database', async () => {
    const db = createDatabase('sqlite::memory:');
    try {
      await db.migrate();
      await db.migrate();
      expect(await appliedMigrations(db)).toEqual(MIGRATION_NAMES);
    } finally {
      await db.close();
    }
    expect(existsSync(path.resolve(':memory:.migration-lock'))).toBe(false);
  });
});
