import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type DatabaseKind = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server (CI sets it). */
export const DATABASE_KINDS: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file: a new SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-test-'));
  if (kind === 'sqlite') return { url: `sqlite:${path.join(dataDir, 'test.sqlite')}`, dataDir, drop: () => Promise.resolve() };

  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const database = await createPostgresDatabase(adminUrl, `tabsync_test_${randomBytes(6).toString('hex')}`);
  return { ...database, dataDir };
}

export interface PostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates the database `name` on the server `adminUrl` names (the benchmarks use it too, for each
 * figure's own database). `name` goes into the SQL as it is: a plain identifier, never user input.
 */
export async function createPostgresDatabase(adminUrl: string, name: string): Promise<PostgresDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
