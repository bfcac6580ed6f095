/**
 * Fresh resources for each figure, so that no figure measures what an earlier one left behind: a
 * new Redis key prefix, a new data directory (a new SQLite file), a new PostgreSQL database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createPostgresDatabase as createNamedDatabase, type PostgresDatabase } from '../../test/support/databases.js';

export type { PostgresDatabase };

export function freshPrefix(figure: string): string {
  return `bench-${figure}-${randomBytes(4).toString('hex')}`;
}

export function freshDataDir(figure: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tabsync-bench-${figure}-`));
  return { dir, remove: () => { rmSync(dir, { recursive: true, force: true }); } };
}

/** Deletes every key under `prefix` (the app's keys and BullMQ's), so repeated runs leave Redis as they found it. */
export async function dropRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const pattern of [`${prefix}*`, `bull:${prefix}*`, `*${prefix}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/** `BENCH_DATABASE_URL`, else the local default, if it answers within two seconds. */
export async function findPostgres(): Promise<string | undefined> {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new PostgreSQL database for one figure, made as the tests make theirs. */
export function createPostgresDatabase(adminUrl: string, figure: string): Promise<PostgresDatabase> {
  return createNamedDatabase(adminUrl, `tabsync_bench_${figure.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`);
}
