import type { Sequelize } from 'sequelize';
import type { SelectOne } from './select-one.js';
import { PreparedReads, type PreparingHandle } from './sqlite-prepared-reads.js';

/** The parts of a `sqlite3` Database handle used here. */
interface SqliteHandle extends PreparingHandle {
  exec(sql: string, callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
}

/** The parts of Sequelize's SQLite connection manager (lib/dialects/sqlite/connection-manager.js) replaced here. */
interface SqliteConnectionManager {
  connections: { writer?: SqliteHandle };
  getConnection(options?: { uuid?: string }): Promise<SqliteHandle>;
  releaseConnection(connection: SqliteHandle, force?: boolean): void;
  destroyConnection(connection: SqliteHandle): Promise<void>;
}

/** The plain reads of a SQLite database, and what must go before its connections close. */
export interface SqliteReads {
  selectOne: SelectOne;
  /** Finalizes the statements the reads keep (see PreparedReads). */
  close: () => Promise<void>;
}

/** Plain queries share the default connection; every transaction shares this one. */
const WRITER = 'writer';

/**
 * Per-connection settings (what each trades is in the README's SQLite section):
 * - synchronous=NORMAL: in WAL mode a commit is safe from a crash of the process or the OS, but the
 *   last commits before a power cut may be lost; FULL would fsync the WAL on every commit.
 * - busy_timeout: another process holding the write lock (a second instance, the workers) is waited
 *   for inside SQLite, up to 5 s, instead of failing at once with SQLITE_BUSY.
 */
const CONNECTION_PRAGMAS = 'PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;';

/**
 * Keeps two long-lived SQLite connections instead of Sequelize's default of opening (mkdirSync,
 * PRAGMA) and closing a connection for every transaction: one for reads outside transactions, one
 * that every transaction runs on. Transactions must therefore take turns in this process, which
 * Database.transaction's queue ensures; readers see the last committed state beside them (WAL).
 * Returns the plain reads, which run on the read connection as kept statements.
 */
export function useLongLivedSqliteConnections(sequelize: Sequelize): SqliteReads {
  const manager = sequelize.connectionManager as unknown as SqliteConnectionManager;
  const open = manager.getConnection.bind(manager);
  const prepared = new Map<SqliteHandle, Promise<void>>();

  manager.getConnection = async (options = {}) => {
    const uuid = options.uuid && options.uuid !== 'default' ? WRITER : 'default';
    const connection = await open({ ...options, uuid });
    let ready = prepared.get(connection);
    if (!ready) {
      ready = new Promise<void>((resolve, reject) => {
        connection.exec(CONNECTION_PRAGMAS, (error) => { if (error) reject(error); else resolve(); });
      });
      prepared.set(connection, ready);
    }
    await ready;
    return connection;
  };
  // Connections stay open until sequelize.close(), which closes every one of them.
  manager.releaseConnection = () => undefined;
  // A transaction whose COMMIT or ROLLBACK failed leaves its connection in an unknown state: drop it, the next transaction opens a fresh one.
  manager.destroyConnection = async (connection) => {
    if (manager.connections.writer === connection) Reflect.deleteProperty(manager.connections, WRITER);
    prepared.delete(connection);
    await new Promise<void>((resolve) => { connection.close(() => { resolve(); }); });
  };

  const reads = new PreparedReads(() => manager.getConnection());
  return { selectOne: (sql, params) => reads.selectOne(sql, params), close: () => reads.close() };
}
