import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** Redis's default count of numbered databases. */
const DATABASES = 16;
/** Written in a database the moment it is claimed; its value names the claimant. */
const CLAIM_KEY = 'tabsync-test:claimed-by';

/** Claims the database only while it is empty: two runs looking at once cannot both take it. */
const CLAIM_IF_EMPTY = `if redis.call('DBSIZE') == 0 then redis.call('SET', KEYS[1], ARGV[1]) return 1 end return 0`;
/** Empties and takes over a database whose claimant died, unless someone else has taken it meanwhile. */
const TAKE_OVER = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('FLUSHDB') redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

export interface ClaimedDatabase {
  /** The Redis URL of the claimed database. */
  url: string;
  db: number;
  /** Empties the database (it was empty when claimed): Redis is left as the claim found it. */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /** The databases to try (tests of this module); every numbered one but the URL's own by default. */
  candidates?: number[];
}

/** The URL of database `db` on the server `redisUrl` names. */
export function databaseUrl(redisUrl: string, db: number): string {
  const url = new URL(redisUrl);
  url.pathname = `/${db}`;
  return url.toString();
}

/** The database a Redis URL names (0 when it names none). */
export function databaseOf(redisUrl: string): number {
  const named = Number(new URL(redisUrl).pathname.slice(1) || '0');
  return Number.isInteger(named) ? named : 0;
}

/** A claim this machine's process `pid` made, when that process is gone: its database is leftovers. */
function claimantIsGone(claim: string | null): boolean {
  const [host, pid] = claim?.split(' ') ?? [];
  if (host !== os.hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * A numbered database of the server `redisUrl` names, empty and this process's alone until
 * released: never the database the URL itself names (someone's data may live there, as it may in
 * any database that holds keys), and never one another test process holds. A database whose
 * claimant was a process of this machine that has since died (a run killed half-way) is emptied
 * and taken again, so that such runs do not use the numbered databases up.
 */
export async function claimRedisDatabase(redisUrl: string, options: ClaimOptions = {}): Promise<ClaimedDatabase> {
  const named = databaseOf(redisUrl);
  const candidates = options.candidates ?? Array.from({ length: DATABASES }, (_, db) => db).filter((db) => db !== named);
  const claim = `${os.hostname()} ${process.pid} ${randomBytes(6).toString('hex')}`;
  for (const db of candidates) {
    const url = databaseUrl(redisUrl, db);
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      let claimed = (await redis.eval(CLAIM_IF_EMPTY, 1, CLAIM_KEY, claim)) === 1;
      if (!claimed) {
        const earlier = await redis.get(CLAIM_KEY);
        if (earlier !== null && claimantIsGone(earlier)) claimed = (await redis.eval(TAKE_OVER, 1, CLAIM_KEY, earlier, claim)) === 1;
      }
      if (claimed) {
        return {
          url,
          db,
          release: async () => {
            const holder = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
            await holder.connect();
            await holder.flushdb();
            await holder.quit();
          },
        };
      }
    } finally {
      await redis.quit();
    }
  }
  throw new Error(
    `No numbered database of ${new URL(redisUrl).host} is free for the tests (each holds data, or another test run holds it). Free one with redis-cli -n <db> flushdb if its data is not needed.`,
  );
}

/**
 * A database of the run's Redis for a server started as `npm start` starts it: its queues and
 * streams carry the default key prefix, so in a shared database another server's workers (another
 * test file's, a developer's `npm start`) could take its upload jobs, and it theirs, and all would
 * share one rate-limit budget.
 */
export function claimTestRedisDatabase(): Promise<ClaimedDatabase> {
  return claimRedisDatabase(inject('redisServerUrl'));
}
