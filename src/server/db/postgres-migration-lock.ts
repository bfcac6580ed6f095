import { createHash } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { pollingLock, type LockSession, type MigrationLock, type MigrationLockOptions } from './migration-lock.js';

/** The parts of a `pg` Client used here. */
interface PgClient {
  query(text: string, values: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

function isPgClient(connection: object): connection is PgClient {
  return 'query' in connection && typeof connection.query === 'function';
}

/**
 * Advisory locks are keyed by a number, shared by every application on the database: one derived
 * from a name is unlikely to meet another application's key. They are per database, so other
 * databases on the same server (the tests' many) never wait for each other.
 */
const MIGRATION_LOCK_KEY = createHash('sha256').update('tabsync:schema_migrations').digest().readBigInt64BE(0).toString();

/**
 * A session-level advisory lock, on a connection taken out of Sequelize's pool for the whole run:
 * the lock belongs to the session, and the pool would hand each query a different one. If the process
 * dies, PostgreSQL ends its session and the lock with it.
 */
export function createPostgresMigrationLock(sequelize: Sequelize, options: MigrationLockOptions = {}): MigrationLock {
  const { host, port, database } = sequelize.config;
  const name = `PostgreSQL database "${database}" on ${host}:${port}`;
  return pollingLock(name, async (): Promise<LockSession> => {
    const connection = await sequelize.connectionManager.getConnection({ type: 'write' });
    if (!isPgClient(connection)) {
      // Out of the pool and never returned as a session: destroyed here, or nothing would release it.
      await sequelize.connectionManager.destroyConnection(connection).catch(() => undefined);
      throw new Error('Sequelize gave a PostgreSQL connection without query()');
    }
    let held = false;
    return {
      async tryAcquire() {
        const { rows } = await connection.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [MIGRATION_LOCK_KEY]);
        const [row] = rows;
        held = typeof row === 'object' && row !== null && 'locked' in row && row.locked === true;
        return held;
      },
      async close() {
        try {
          // Released now, not when the server notices the connection closing: the next process goes at once.
          if (held) await connection.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
        } finally {
          // Never back to the pool: a connection whose unlock failed would carry the lock to whoever took it next.
          await sequelize.connectionManager.destroyConnection(connection);
        }
      },
    };
  }, options);
}
